package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/rules"
)

// TestRefusalSpeaksTheCallersLanguage: the same refusal answers in
// Chinese by default and in English for Accept-Language: en, with the
// same code and error_code either way.
func TestRefusalSpeaksTheCallersLanguage(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	p, err := rig.store.PersonByLogin(ctx, "qian.zong")
	if err != nil {
		t.Fatal(err)
	}
	posts, err := rig.store.PostsAt(ctx, p.ID, time.Now().In(rules.China))
	if err != nil || len(posts) == 0 {
		t.Fatalf("posts %v, %v", posts, err)
	}
	body := `{"enterprise_id": ` + jsonInt(posts[0].Org.ID) + `, "grade": "general", "location": "", "description": "脚手架连墙件缺失"}`
	answer := func(accept string) (int, ErrorBody) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/hazards", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+rig.tokens[0]) // zhao.jiancha, an inspector
		if accept != "" {
			r.Header.Set("Accept-Language", accept)
		}
		rec := httptest.NewRecorder()
		rig.handler.ServeHTTP(rec, r)
		var eb ErrorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil {
			t.Fatalf("%s: %s", err, rec.Body)
		}
		return rec.Code, eb
	}
	zs, zh := answer("")
	es, en := answer("en-GB,en;q=0.9")
	if zs != http.StatusBadRequest || es != http.StatusBadRequest {
		t.Fatalf("statuses %d and %d, want 400: %+v %+v", zs, es, zh, en)
	}
	if zh.Code != "invalid" || en.Code != "invalid" || zh.ErrorCode != "field.required" || en.ErrorCode != zh.ErrorCode {
		t.Fatalf("codes differ or are wrong: %+v and %+v", zh, en)
	}
	if zh.Message != "地点为必填项" || en.Message != "location is required" {
		t.Fatalf("messages %q (default) and %q (English)", zh.Message, en.Message)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
