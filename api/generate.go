package api

// `go generate ./api ./apiclient` brings the generated files up to date,
// in this order: the enums from the Go constants, the checked-in OpenAPI
// document from the routes, then the Go client from the document.

//go:generate go run ./internal/enumgen -root .. -out enums_gen.go
//go:generate go run ./internal/openapigen -out openapi.json
