package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/duty-project/duty/apiclient"
)

// Every request the e2e tests send goes through checked (the JSON helpers
// call and must, and the generated client's HTTP doer), which holds the
// exchange against the checked-in OpenAPI document (api/openapi.json,
// which an api test keeps equal to what the server serves): a response
// must be one the document describes for its operation and status, and a
// request the server accepted must be one the document allows. So a drift
// between the document and the server fails the test that meets it.

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// specFile is api/openapi.json, found from this file's folder.
func specFile() string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "api", "openapi.json")
}

func loadSpec() (routers.Router, error) {
	specOnce.Do(func() {
		raw, err := os.ReadFile(specFile())
		if err != nil {
			specErr = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			specErr = fmt.Errorf("api/openapi.json: %w", err)
			return
		}
		// Match operations by path alone: each test's duty listens on a
		// port of its own, not the document's server.
		doc.Servers = nil
		specRouter, specErr = legacy.NewRouter(doc)
	})
	return specRouter, specErr
}

// checkExchange fails t unless the document describes the response, and,
// when the server accepted the request (2xx), the request too.
func checkExchange(t testing.TB, req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) {
	t.Helper()
	if err := exchangeError(req, reqBody, status, header, respBody); err != nil {
		t.Fatalf("%s %s (%d) does not agree with the OpenAPI document (api/openapi.json): %v\nresponse: %.600s", req.Method, req.URL.Path, status, err, respBody)
	}
}

func exchangeError(req *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	router, err := loadSpec()
	if err != nil {
		return err
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // a path the API does not have, refused as such
		}
		return fmt.Errorf("no operation in the document: %w", err)
	}
	clone := req.Clone(context.Background())
	clone.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: clone, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true,
			AuthenticationFunc: func(_ context.Context, a *openapi3filter.AuthenticationInput) error {
				if !strings.HasPrefix(a.RequestValidationInput.Request.Header.Get("Authorization"), "Bearer ") {
					return errors.New("no bearer token")
				}
				return nil
			}}}
	if status/100 == 2 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("the server accepted a request the document refuses: %w", err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: in.Options}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("the response is not the document's: %w", err)
	}
	return nil
}

// checkedDoer sends a request as the generated client asks and checks the
// exchange against the document.
type checkedDoer struct{ t testing.TB }

func (d checkedDoer) Do(req *http.Request) (*http.Response, error) {
	d.t.Helper()
	var reqBody []byte
	if req.Body != nil {
		var err error
		if reqBody, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	checkExchange(d.t, req, reqBody, resp.StatusCode, resp.Header, respBody)
	return resp, nil
}

// client is the generated API client acting as u, every exchange checked.
func (u *user) client() *apiclient.ClientWithResponses {
	c, err := apiclient.NewClientWithResponses(u.base, apiclient.WithHTTPClient(checkedDoer{u.t}),
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			if u.token != "" {
				req.Header.Set("Authorization", "Bearer "+u.token)
			}
			return nil
		}))
	if err != nil {
		u.t.Fatal(err)
	}
	return c
}

// answer is a generated client's answer, to be checked with is.
type answer[R interface{ StatusCode() int }] struct {
	r   R
	err error
}

// got takes a generated client's answer: got(c.XWithResponse(...)).is(t, 200).
func got[R interface{ StatusCode() int }](r R, err error) answer[R] { return answer[R]{r, err} }

// is fails the test unless the call answered want, and returns the answer.
func (a answer[R]) is(t testing.TB, want int) R {
	t.Helper()
	if a.err != nil {
		t.Fatal(a.err)
	}
	if got := a.r.StatusCode(); got != want {
		body := reflect.ValueOf(a.r).Elem().FieldByName("Body").Bytes()
		t.Fatalf("status %d, want %d: %.400s", got, want, body)
	}
	return a.r
}

// query adds query parameters to a generated client's request (the
// document describes them in the operation's summary).
func query(v url.Values) apiclient.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		q := req.URL.Query()
		for k, vs := range v {
			q[k] = vs
		}
		req.URL.RawQuery = q.Encode()
		return nil
	}
}

// TestOpenAPICheckCatchesDrift holds the checker itself to account: an
// exchange the document does not describe must fail it.
func TestOpenAPICheckCatchesDrift(t *testing.T) {
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/api/v1/hazards/YH-140502-2026-000001/order", nil)
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	good := []byte(`{"measures":"补设","deadline":"2026-12-15"}`)
	caseBody := `{"case":{"workflow_id":"hazard/YH","case_no":"YH","kind":"hazard","state":"ordered","region_code":"140502","region_path":"14.1405.140502",` +
		`"enterprise":{"id":1,"name":"e"},"acting_org":{"id":2,"name":"d"},"rule_set":"r","title":"t","overdue":false,"ladder_due":false,` +
		`"opened_at":"2026-12-01T00:00:00Z","deadlines":[]},"timeline":[]}`
	if err := exchangeError(req, good, 200, http.Header{"Content-Type": {"application/json"}}, []byte(caseBody)); err != nil {
		t.Fatalf("a good exchange is refused: %v", err)
	}
	for name, c := range map[string]struct {
		req, resp string
		status    int
	}{
		"unknown request field":  {`{"measures":"x","deadline":"2026-12-15","amount":5}`, caseBody, 200},
		"missing required field": {`{"deadline":"2026-12-15"}`, caseBody, 200},
		"renamed response field": {string(good), strings.Replace(caseBody, `"case_no"`, `"case_number"`, 1), 200},
		"state not an enum":      {string(good), strings.Replace(caseBody, `"ordered"`, `"sort_of_ordered"`, 1), 200},
		"error without code":     {string(good), `{"message":"x"}`, 409},
	} {
		if err := exchangeError(req, []byte(c.req), c.status, http.Header{"Content-Type": {"application/json"}}, []byte(c.resp)); err == nil {
			t.Errorf("%s: passed the check", name)
		}
	}
}
