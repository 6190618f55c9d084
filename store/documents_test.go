package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// issuerOrg writes 山西省 / 晋城市 / 城区 and a department there.
func issuerOrg(t *testing.T, st *store.Store) int64 {
	t.Helper()
	ctx := context.Background()
	for _, q := range []string{
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('14', '山西省', 'province', NULL, '/14/')`,
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('1405', '晋城市', 'city', '14', '/14/1405/')`,
		`INSERT INTO regions (code, name, level, parent_code, path) VALUES ('140502', '城区', 'county', '1405', '/14/1405/140502/')`,
	} {
		if _, err := st.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	var id int64
	if err := st.Pool.QueryRow(ctx, `INSERT INTO orgs (code, kind, name, region_code) VALUES ('140502-jsj', 'department', '城区住房和城乡建设局 (区住建局)', '140502') RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func toNumber(org int64, caseNo, docID, code string) store.DocumentToNumber {
	return store.DocumentToNumber{CaseNo: caseNo, DocID: docID, WorkflowID: "hazard/" + caseNo, Kind: "hazard_order",
		IssuerOrgID: org, Code: code, Year: 2026, Format: func(seq int) string { return fmt.Sprintf("城住建%s〔2026〕%d号", code, seq) }}
}

// Many first prints at once, of many documents and of the same ones:
// every document gets one number, the same on every call, and the
// numbers run 1..n without a gap.
func TestDocumentNumbersRunWithoutGapsAndStay(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	org := issuerOrg(t, st)
	is, err := st.GetDocumentIssuer(ctx, org)
	if err != nil || is.Name != "城区住房和城乡建设局 (区住建局)" || strings.Join(is.Regions, "/") != "山西省/晋城市/城区" || is.Code != "" {
		t.Fatalf("issuer %+v, %v", is, err)
	}

	const docs, callers = 20, 4
	var mu sync.Mutex
	got := map[string]map[string]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, docs*callers)
	for c := 0; c < callers; c++ {
		for d := 0; d < docs; d++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				caseNo := fmt.Sprintf("YH-140502-2026-%06d", d+1)
				n, err := st.NumberDocument(ctx, toNumber(org, caseNo, "order-1", "责改"))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if got[caseNo] == nil {
					got[caseNo] = map[string]bool{}
				}
				got[caseNo][n] = true
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var all []string
	for caseNo, ns := range got {
		if len(ns) != 1 {
			t.Errorf("%s got %d numbers: %v", caseNo, len(ns), ns)
		}
		for n := range ns {
			all = append(all, n)
		}
	}
	sort.Strings(all)
	want := make([]string, docs)
	for i := range want {
		want[i] = fmt.Sprintf("城住建责改〔2026〕%d号", i+1)
	}
	sort.Strings(want)
	if strings.Join(all, ",") != strings.Join(want, ",") {
		t.Fatalf("numbers %v\nwant %v", all, want)
	}

	// Another kind code runs its own sequence; a number the step carries is kept.
	if n, err := st.NumberDocument(ctx, toNumber(org, "YH-140502-2026-000001", "reinspection-1", "复查")); err != nil || n != "城住建复查〔2026〕1号" {
		t.Fatalf("reinspection: %s %v", n, err)
	}
	fixed := toNumber(org, "CF-140502-2026-000001", "penalty-decision", "罚决")
	fixed.Fixed = "城住建简罚〔2026〕7号"
	if n, err := st.NumberDocument(ctx, fixed); err != nil || n != fixed.Fixed {
		t.Fatalf("fixed: %s %v", n, err)
	}
	if n, err := st.NumberDocument(ctx, toNumber(org, "CF-140502-2026-000002", "penalty-decision", "罚决")); err != nil || n != "城住建罚决〔2026〕1号" {
		t.Fatalf("after a fixed number: %s %v", n, err)
	}
	numbers, err := st.DocumentNumbers(ctx, "YH-140502-2026-000001")
	if err != nil || len(numbers) != 2 || numbers["reinspection-1"] != "城住建复查〔2026〕1号" {
		t.Fatalf("numbers of a case: %v %v", numbers, err)
	}
}

func TestDocumentServiceIsRecordedOnceAndNeverEdited(t *testing.T) {
	st := pgtest.NewStore(t)
	ctx := context.Background()
	org := issuerOrg(t, st)
	caseNo := "YH-140502-2026-000001"
	if _, err := st.NumberDocument(ctx, toNumber(org, caseNo, "order-1", "责改")); err != nil {
		t.Fatal(err)
	}
	actor := cases.Actor{PersonID: 0, Name: "赵明", Role: "inspector", Title: "区住建局执法检查员", OrgID: org, OrgName: "城区住房和城乡建设局"}
	sv := store.DocumentService{CaseNo: caseNo, DocID: "order-1", Method: "direct", ServedAt: time.Date(2026, 12, 1, 10, 0, 0, 123456789, time.UTC),
		ReceivedBy: "钱宏达", Actor: actor}
	first, err := st.RecordDocumentService(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}
	again, err := st.RecordDocumentService(ctx, sv) // a retry
	if err != nil || again.ID != first.ID {
		t.Fatalf("retry: %+v %v", again, err)
	}
	sv.Method, sv.ReceivedBy = "retained", "李安全"
	if _, err := st.RecordDocumentService(ctx, sv); err != nil {
		t.Fatal(err)
	}
	list, err := st.DocumentServices(ctx, caseNo)
	if err != nil || len(list) != 2 || list[0].ReceivedBy != "钱宏达" || list[0].Actor.Title != "区住建局执法检查员" || list[1].Method != "retained" {
		t.Fatalf("services %+v %v", list, err)
	}
	for _, q := range []string{`UPDATE document_services SET received_by = 'x'`, `DELETE FROM document_services`, `TRUNCATE document_services`} {
		if _, err := st.Pool.Exec(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", q, err)
		}
	}
	// A service of a document never numbered is refused.
	sv.DocID = "order-9"
	if _, err := st.RecordDocumentService(ctx, sv); err == nil {
		t.Error("served a document that was never issued")
	}
}
