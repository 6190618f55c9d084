package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty"
	"github.com/duty-project/duty/archive"
	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/rules"
	"github.com/duty-project/duty/store"
)

// recordCase writes a case's steps as its workflow would: one step per
// state, the last one closing it when closed is set.
func recordCase(t *testing.T, st *store.Store, kind cases.Kind, caseNo, parent string, closed bool, view map[string]any, details ...map[string]any) {
	t.Helper()
	opened := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	sum := cases.Summary{WorkflowID: string(kind) + "/" + caseNo, CaseNo: caseNo, Kind: kind, RegionCode: "140502",
		RegionPath: "/14/1405/140502/", Enterprise: cases.Org{Name: "晋城市宏达建筑工程有限公司"},
		ActingOrg: cases.Org{Name: "城区应急管理局"}, ParentWorkflowID: parent, RuleSet: "CN-2026", Title: "脚手架坍塌",
		OpenedAt: opened}
	set := map[string]json.RawMessage{}
	for k, v := range view {
		b, _ := json.Marshal(v)
		set[k] = b
	}
	actor := cases.Actor{PersonID: 3, Name: "赵明", Role: "inspector", Title: "执法检查员", OrgName: "城区应急管理局", Side: cases.SideRegulator}
	for i, d := range details {
		seq := int64(i + 1)
		at := opened.Add(time.Duration(i) * 24 * time.Hour)
		s := sum
		s.State = "open"
		if closed && i == len(details)-1 {
			s.State = "closed"
			s.ClosedAt = &at
		}
		step := cases.Step{Seq: seq, At: at, Action: "step", Actor: actor, StateAfter: s.State, Details: d, Case: s}
		if i == 0 {
			step.View = cases.ViewChange{Set: set}
		}
		if _, err := st.RecordStep(context.Background(), step); err != nil {
			t.Fatal(err)
		}
	}
}

func TestACaseFileOfAClosedAccidentWithItsChildCases(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	keep := func(body, caseNo string) string {
		s := sha256.Sum256([]byte(body))
		sum := hex.EncodeToString(s[:])
		if err := os.WriteFile(filepath.Join(dir, sum), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sum+".cases"), []byte(caseNo+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	const acc, haz, other = "SG-140502-2026-000001", "YH-140502-2026-000007", "YH-140502-2026-000008"
	photo := keep("a photo of the collapse", acc)
	elsewhere := keep("another case's file", other) // named by the hazard, kept for another case
	recordCase(t, st, cases.KindAccident, acc, "", true, map[string]any{"casualties": map[string]any{"deaths": 1}},
		map[string]any{"report": map[string]any{"evidence": []any{map[string]any{"name": "现场.jpg", "sha256": photo}}}},
		map[string]any{"comment": "四不放过已落实"})
	recordCase(t, st, cases.KindHazard, haz, "accident/"+acc, true, nil,
		map[string]any{"evidence": []any{map[string]any{"name": "别案照片.jpg", "sha256": elsewhere}}},
		map[string]any{"passed": true})
	recordCase(t, st, cases.KindHazard, other, "", false, nil, map[string]any{"n": 1})

	b := &archive.Builder{Store: st, EvidenceDir: dir, Rules: rules.Builtin()}
	opt := archive.Options{At: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC), By: "孙立（局长，城区应急管理局）"}
	if _, err := b.Build(ctx, other, opt); duty.ErrorCode(err) != duty.EConflict {
		t.Errorf("an open case: %v, want a conflict", err)
	}
	bn, err := b.Build(ctx, acc, opt)
	if err != nil {
		t.Fatal(err)
	}
	m := bn.Manifest
	if len(m.Cases) != 2 || m.Cases[0].CaseNo != acc || m.Cases[1].CaseNo != haz || m.Cases[1].Parent != acc {
		t.Fatalf("cases: %+v", m.Cases)
	}
	if m.Retention != rules.Permanent || m.RetentionLabel != "永久" || m.Cases[1].Retention != "30y" {
		t.Errorf("retention: %s (%s), the hazard's %s", m.Retention, m.RetentionLabel, m.Cases[1].Retention)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if got := strings.Join(paths, " "); !strings.Contains(got, "evidence/"+photo) || strings.Contains(got, elsewhere) {
		t.Errorf("files: %s; want the accident's photo and not another case's file", got)
	}
	var zipped bytes.Buffer
	if err := bn.WriteZip(&zipped); err != nil {
		t.Fatal(err)
	}
	rep, err := archive.Verify(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil || !rep.OK() || rep.Entries != 4 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	// The chain heads are the database's.
	for _, c := range m.Cases {
		chain, err := st.Chain(ctx, c.WorkflowID)
		if err != nil || chain[len(chain)-1].Hash != c.ChainHead {
			t.Errorf("%s: chain head %s, database %v %v", c.CaseNo, c.ChainHead, chain, err)
		}
	}
	again, err := b.Build(ctx, acc, opt)
	if err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if err := again.WriteZip(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(zipped.Bytes(), second.Bytes()) {
		t.Error("the same case file made twice differs")
	}

	// A photo changed in the folder since it was kept is not filed.
	if err := os.WriteFile(filepath.Join(dir, photo), []byte("retouched"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Build(ctx, acc, opt); err == nil || !strings.Contains(err.Error(), "no longer matches its hash") {
		t.Errorf("a changed evidence file: %v", err)
	}
}
