package api

import (
	"html/template"
	"net/http"
)

// indexPage greets a person who opens duty in a browser: what it is, and
// where the API and its document are. (The pages for regulators,
// enterprises and supervisors are a later piece of work.)
var indexPage = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>duty — 安全生产责任追究</title>
<style>body{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:46rem;margin:2rem auto;line-height:1.6;padding:0 1rem}
code{background:#f3f3f3;padding:0 .25rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}</style></head>
<body><h1>duty · 安全生产责任追究</h1>
<p>Every hazard, warning talk, penalty and escalation is a durable case. 每一个隐患整改案件都可追溯到人、到岗、到时。</p>
<table><tr><th>endpoint</th><th>what</th></tr>
{{range .}}<tr><td><code>{{.Method}} {{.Path}}</code></td><td>{{.Summary}}</td></tr>
{{end}}</table>
<p>Full description: <a href="/openapi.json">/openapi.json</a> · health: <a href="/healthz">/healthz</a></p>
</body></html>`))

type indexRow struct{ Method, Path, Summary string }

func (s *Server) index(w http.ResponseWriter, _ *http.Request) {
	var rows []indexRow
	for _, rt := range routes() {
		rows = append(rows, indexRow{rt.method, rt.path, rt.summary})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = indexPage.Execute(w, rows)
}
