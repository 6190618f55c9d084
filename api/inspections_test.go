package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// Opening an inspection: the caller must be allowed to inspect the
// enterprise, the second officer must hold, today, a post of the same
// department that may inspect it, and both must have a 执法证 on record;
// anything else is refused before Temporal is asked. (The rig's Temporal
// refuses every start: reaching it is the answer "test: the request
// reached Temporal".)
func TestOpeningAnInspectionChecksBothOfficers(t *testing.T) {
	rig := newHandlerRig(t)
	ctx := context.Background()
	orgID := func(code string) int64 {
		var id int64
		if err := rig.store.Pool.QueryRow(ctx, `SELECT id FROM orgs WHERE code = $1`, code).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	hongda, xinyuan := orgID("ent-hongda"), orgID("ent-xinyuan")
	zhao := rig.as(t, "zhao.jiancha")
	open := func(who *as, ent int64, second string) (int, string) {
		code, body := who.call("POST", "/api/v1/inspections", map[string]any{"enterprise_id": ent, "second_officer_login": second, "place": "凤台街工地"})
		msg, _ := body["message"].(string)
		return code, msg
	}
	reached := "reached Temporal"
	if code, msg := open(zhao, hongda, "sun.jiancha"); code != http.StatusConflict || !strings.Contains(msg, reached) {
		t.Fatalf("two officers of 区住建局 with 执法证: %d %s", code, msg)
	}
	if code, msg := open(zhao, hongda, "wang.juzhang"); code != http.StatusConflict || !strings.Contains(msg, reached) {
		t.Fatalf("an inspector with the department's head: %d %s", code, msg)
	}
	for name, tc := range map[string]struct {
		who    *as
		ent    int64
		second string
		code   int
		says   string
	}{
		"the second officer of another department": {zhao, hongda, "wu.jiancha", http.StatusBadRequest, "另一名执法人员"},
		"the caller twice":                         {zhao, hongda, "zhao.jiancha", http.StatusBadRequest, "另一名执法人员"},
		"nobody of that login":                     {zhao, hongda, "no.such.login", http.StatusBadRequest, "另一名执法人员"},
		"no second officer":                        {zhao, hongda, "", http.StatusBadRequest, "登录名"},
		"an enterprise's head as second officer":   {zhao, hongda, "qian.zong", http.StatusBadRequest, "另一名执法人员"},
		"an enterprise of another sector":          {zhao, xinyuan, "sun.jiancha", http.StatusForbidden, ""},
		"an enterprise opens":                      {rig.as(t, "qian.zong"), hongda, "sun.jiancha", http.StatusForbidden, ""},
	} {
		if code, msg := open(tc.who, tc.ent, tc.second); code != tc.code || !strings.Contains(msg, tc.says) || strings.Contains(msg, reached) {
			t.Errorf("%s: %d %s, want %d", name, code, msg, tc.code)
		}
	}
	// Without a 执法证 on record, the second officer may not inspect
	// (安全生产法 Art.67).
	if _, err := rig.store.Pool.Exec(ctx, `UPDATE persons SET enforcement_cert_no = NULL WHERE login = 'sun.jiancha'`); err != nil {
		t.Fatal(err)
	}
	if code, msg := open(zhao, hongda, "sun.jiancha"); code != http.StatusBadRequest || !strings.Contains(msg, "执法证") {
		t.Fatalf("a second officer without 执法证: %d %s", code, msg)
	}
}
