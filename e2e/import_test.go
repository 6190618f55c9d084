package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ory/ladon"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/ledger"
	"github.com/duty-project/duty/org"
	"github.com/duty-project/duty/org/uscc"
	"github.com/duty-project/duty/orgimport"
	"github.com/duty-project/duty/policy"
	"github.com/duty-project/duty/store"
)

// TestImportAndExportOverHTTP: a district's organisation administrator
// checks a register with bad rows (every one reported, nothing written),
// imports a good one, exports it and imports the export again without a
// change; `duty import` reports the same bad rows; somebody else is
// refused; the case list exports as 台账.
func TestImportAndExportOverHTTP(t *testing.T) {
	db := pgtest.NewDatabase(t)
	duty := start(t, dataDir(t), db)
	grantOrgAdmin(t, db, "admin.quan", "140502-zf")
	admin := duty.login("admin.quan")
	head := duty.login("wang.juzhang")
	dir := t.TempDir()

	rows := make([][]any, 0, 20)
	for n := range 20 {
		rows = append(rows, e2eEnterprise(n))
	}
	good := writeE2ELedger(t, filepath.Join(dir, "企业台账.xlsx"), rows)
	bad1, bad2 := e2eEnterprise(100), e2eEnterprise(101)
	bad1[0] = bad1[0].(string)[:17] + nextCheck(bad1[0].(string)[17])
	bad2[3] = "140599"
	noHead := e2eEnterprise(102)
	noHead[6], noHead[7] = "", ""
	bad := writeE2ELedger(t, filepath.Join(dir, "有错误.xlsx"), [][]any{rows[0], bad1, bad2, rows[0], noHead})

	// The permission is asked before the file is read; the policy was
	// written beside the server, which picks it up within a second.
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, _ := upload(t, admin, "enterprises", good, true)
		if status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the organisation administrator's dry run: %d", status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status, body := upload(t, head, "enterprises", good, true); status != 403 {
		t.Errorf("a bureau head importing: %d %v", status, body)
	}

	status, rep := upload(t, admin, "enterprises", bad, true)
	if status != 200 || rep.Committed || rep.ErrorCount != 5 {
		t.Fatalf("dry run of a file with bad rows: %d %+v", status, rep)
	}
	want := []string{"3 A 统一社会信用代码", "4 D 所属地区", "5 A 统一社会信用代码", "6 G 主要负责人姓名", "6 H 主要负责人身份证号"}
	for i, w := range want {
		e := rep.Errors[i]
		if got := fmt.Sprintf("%d %s %s", e.Row, e.Column, e.Header); got != w || e.Reason == "" {
			t.Errorf("error %d: %+v, want %s", i, e, w)
		}
	}
	if status, rep := upload(t, admin, "enterprises", bad, false); status != 422 || rep.Committed {
		t.Fatalf("importing a file with bad rows: %d %+v", status, rep)
	}
	var listed map[string]any
	_, listed = admin.call("GET", "/api/v1/orgs?kind=enterprise", nil)
	if strings.Contains(fmt.Sprint(listed), "城区e2e第") {
		t.Fatal("a file with bad rows wrote enterprises")
	}

	// `duty import` reports the same rows, and exits 1.
	cli := exec.Command(binary(t), "import", "enterprises", bad, "--as", "admin.quan", "--dry-run", "--database-url", db)
	out, err := cli.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "所属地区") || !strings.Contains(string(out), "5 errors in 5 rows") {
		t.Errorf("duty import of bad rows: %v\n%s", err, out)
	}

	status, rep = upload(t, admin, "enterprises", good, false)
	if status != 200 || !rep.Committed || rep.New != 20 {
		t.Fatalf("import: %d %+v", status, rep)
	}
	status, rep = upload(t, admin, "enterprises", good, false)
	if status != 200 || rep.Unchanged != 20 {
		t.Fatalf("import again: %d %+v", status, rep)
	}

	// The export: masked numbers, a UTF-8 file name, and it imports again
	// unchanged.
	for _, format := range []string{"csv", "xlsx"} {
		resp := download(t, admin, "/api/v1/exports/enterprises?format="+format+"&name="+urlQuery("城区e2e第"))
		if cd := resp.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%8F%B0%E8%B4%A6") {
			t.Errorf("Content-Disposition %q", cd)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if format == "csv" && (!strings.Contains(string(body), "统一社会信用代码") || strings.Contains(string(body), rows[3][7].(string)) ||
			!strings.Contains(string(body), rows[3][0].(string))) {
			t.Errorf("exported CSV:\n%s", body)
		}
		exported := filepath.Join(dir, "export."+format)
		if err := os.WriteFile(exported, body, 0o644); err != nil {
			t.Fatal(err)
		}
		if status, rep := upload(t, admin, "enterprises", exported, false); status != 200 || rep.Unchanged != 20 || rep.New+rep.Changed != 0 {
			t.Errorf("the %s export imported again: %d %+v", format, status, rep)
		}
	}

	// The case list as 台账, of the cases the caller may see.
	inspector := duty.login("zhao.jiancha")
	hongda := duty.login("qian.zong").orgID
	c := inspector.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "厂区", "description": "消防通道堵塞"})
	resp := download(t, inspector, "/api/v1/exports/cases?format=csv")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if no := caseOf(c)["case_no"].(string); !strings.Contains(string(body), no) || !strings.Contains(string(body), "案件编号") || !strings.Contains(string(body), "隐患整改") {
		t.Errorf("cases export:\n%s", body)
	}
	resp = download(t, duty.login("zhou.zong"), "/api/v1/exports/cases?format=csv")
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), caseOf(c)["case_no"].(string)) {
		t.Errorf("another enterprise's export holds the case:\n%s", body)
	}
}

// grantOrgAdmin gives login an org_admin post at the organisation code and
// a policy letting that post administer its region and below: the
// policies that grant it come with the organisation's administration.
func grantOrgAdmin(t *testing.T, db, login, orgCode string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	p, err := st.PersonByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	o, err := st.OrgByCode(ctx, st.Pool, orgCode)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	ch := store.OrgChange{By: cases.Actor{Name: "e2e"}, At: time.Now(), Document: "e2e"}
	if _, _, err := st.Appoint(ctx, tx, store.Appointment{PersonID: p.ID, OrgID: o.ID, Role: org.RoleOrgAdmin, Title: "组织管理员",
		StartsOn: time.Now().AddDate(0, 0, -1)}, ch); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	m := policy.NewManager(st.Pool)
	if err := m.Create(ctx, &ladon.DefaultPolicy{ID: "e2e:orgadmin", Description: "e2e: the district's organisation administrators",
		Subjects: []string{fmt.Sprintf("org:%d:<%s>", o.ID, org.RoleOrgAdmin)}, Actions: []string{policy.ActionAdministerOrg},
		Resources: []string{"organisation:" + o.RegionPath + "<[0-9/]*>:<[0-9]+>"}, Effect: ladon.AllowAccess}); err != nil {
		t.Fatal(err)
	}
}

// e2eEnterprise is the n-th enterprise of a generated register of 城区.
func e2eEnterprise(n int) []any {
	first := fmt.Sprintf("91140502%09d", 500000+n)
	c, _ := uscc.CheckChar(first)
	id := fmt.Sprintf("14050219850%d%02d%03d", 1+n%9, 1+n%28, n%1000)
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(id[i]-'0') * weights[i]
	}
	return []any{first + string(c), fmt.Sprintf("城区e2e第%03d号建筑有限公司", n), "城区泽州路1号", "140502", "4720", "C",
		fmt.Sprintf("负责人%03d", n), id + string("10X98765432"[sum%11]), fmt.Sprintf("1380000%04d", n)}
}

func nextCheck(c byte) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	return string(alphabet[(strings.IndexByte(alphabet, c)+1)%len(alphabet)])
}

func writeE2ELedger(t *testing.T, path string, rows [][]any) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := ledger.NewWriter(f, ledger.XLSX, orgimport.EnterpriseSchema)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// upload posts a file to the import endpoint.
func upload(t *testing.T, u *user, kind, path string, dry bool) (int, orgimport.Report) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(b)
	mw.WriteField("document", "城区安委〔2026〕3号")
	mw.Close()
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/imports/%s?dry_run=%v", u.base, kind, dry), &buf)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep orgimport.Report
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 || resp.StatusCode == 422 {
		if err := json.Unmarshal(raw, &rep); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
	}
	return resp.StatusCode, rep
}

func download(t *testing.T, u *user, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", u.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return resp
}

func urlQuery(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
