package duty

// Version is the release of duty this code is. Cases opened by a release
// replay on every later one (workflows/testdata/<release>/ proves it);
// cases opened by development builds before v0.1.0 are not carried over.
const Version = "v0.1.0"
