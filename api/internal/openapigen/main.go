// Command openapigen writes the OpenAPI document the server serves at
// /openapi.json to a file (api/openapi.json), for the linter (Redocly, in
// scripts/test) and the client generator (apiclient/) to read. A test in
// api keeps the file equal to what the server serves.
//
// Run by `go generate ./api` (api/generate.go).
package main

import (
	"flag"
	"log"
	"os"

	"github.com/duty-project/duty/api"
)

func main() {
	out := flag.String("out", "openapi.json", "the file to write")
	flag.Parse()
	if err := os.WriteFile(*out, api.OpenAPIJSON(), 0o644); err != nil {
		log.Fatal(err)
	}
}
