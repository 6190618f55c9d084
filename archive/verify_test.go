package archive

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/cases"
	"github.com/duty-project/duty/store"
)

const (
	testCaseNo = "CF-140502-2026-000001"
	testWF     = "penalty/" + testCaseNo
	testDoc    = "cases/" + testCaseNo + "/documents/01-penalty-decision.html"
	testTL     = "cases/" + testCaseNo + "/timeline.json"
)

var testPhoto = []byte("\xff\xd8\xff\xe0 a photo of the scaffolding")

func testPhotoSum() string { s := sha256.Sum256(testPhoto); return hex.EncodeToString(s[:]) }

// testBundle is a small case file made without a database: one closed
// penalty of three steps, a document and a photo.
func testBundle(t *testing.T, at time.Time) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := testBundleOf(t, at).WriteZip(&out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// testBundleOf is testBundle before it is zipped.
func testBundleOf(t *testing.T, at time.Time) *Bundle {
	t.Helper()
	opened := time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)
	id := int64(7)
	entries := []store.ChainEntry{
		{WorkflowID: testWF, Seq: 1, CaseNo: testCaseNo, At: opened, Action: "open", ActorID: &id, ActorName: "赵明",
			ActorRole: "inspector", ActorPost: "执法检查员", ActorOrg: "城区住房和城乡建设局", StateAfter: "opened",
			Details: `{"facts": "脚手架连墙件缺失", "evidence": [{"name": "现场照片.jpg", "sha256": "` + testPhotoSum() + `"}]}`},
		{WorkflowID: testWF, Seq: 2, CaseNo: testCaseNo, At: opened.Add(48 * time.Hour), Action: "decide", ActorID: &id, ActorName: "赵明",
			ActorRole: "inspector", ActorPost: "执法检查员", ActorOrg: "城区住房和城乡建设局", StateBefore: "opened", StateAfter: "decided",
			Details: `{"fine_yuan": 20000}`},
		{WorkflowID: testWF, Seq: 3, CaseNo: testCaseNo, At: opened.Add(96 * time.Hour), Action: "pay", ActorName: "钱宏达",
			ActorRole: "enterprise_head", ActorPost: "主要负责人", ActorOrg: "宏达建筑", StateBefore: "decided", StateAfter: "paid",
			Details: `{"amount_yuan": 20000}`},
	}
	store.Link(entries)
	closed := entries[2].At
	tl, err := json.MarshalIndent(Timeline{Format: Format, CaseNo: testCaseNo, WorkflowID: testWF, Entries: entries}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	bn := &Bundle{modified: closed}
	bn.Manifest = Manifest{Format: Format, CaseNo: testCaseNo, CreatedAt: at, CreatedBy: "孙局长（局长，城区住房和城乡建设局）",
		Retention: "30y", Cases: []Case{{CaseNo: testCaseNo, WorkflowID: testWF, Kind: cases.KindPenalty, State: "paid",
			Title: "未按规定消除事故隐患", Enterprise: "晋城市宏达建筑工程有限公司", ActingOrg: "城区住房和城乡建设局",
			OpenedAt: opened, ClosedAt: &closed, RuleSet: "CN-2026", Retention: "30y", Steps: 3, ChainHead: entries[2].Hash,
			Timeline: testTL, Documents: 1, Evidence: 1}}}
	var files []File
	var data []content
	add := func(f File, body []byte) {
		s := sha256.Sum256(body)
		f.Size, f.SHA256 = int64(len(body)), hex.EncodeToString(s[:])
		files, data = append(files, f), append(data, content{data: body})
	}
	add(File{Path: testTL, Title: "办案记录", CaseNo: testCaseNo}, tl)
	add(File{Path: testDoc, Title: "行政处罚决定书", Number: "城住建罚决〔2026〕1号", CaseNo: testCaseNo},
		[]byte("<!doctype html><title>行政处罚决定书</title><p>罚款人民币贰万元整。</p>"))
	add(File{Path: "evidence/" + testPhotoSum(), Title: "证据：现场照片.jpg"}, testPhoto)
	if err := bn.seal(files, data); err != nil {
		t.Fatal(err)
	}
	return bn
}

// rezip copies a bundle, changing each file through change (nil drops
// it) and adding extra files.
func rezip(t *testing.T, b []byte, change func(name string, body []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if body = change(f.Name, body); body == nil {
			continue
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(body)
	}
	for name, body := range extra {
		w, _ := zw.Create(name)
		_, _ = w.Write(body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func verify(t *testing.T, b []byte) Report {
	t.Helper()
	rep, err := Verify(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	return rep
}

func TestABundleVerifiesAndIsTheSameTwice(t *testing.T) {
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	b := testBundle(t, at)
	rep := verify(t, b)
	if !rep.OK() {
		t.Fatalf("a bundle as made does not verify: %v", rep.Problems)
	}
	if rep.Cases != 1 || rep.Entries != 3 || rep.Files != 5 || rep.CaseNo != testCaseNo {
		t.Errorf("report: %+v", rep)
	}
	if again := testBundle(t, at); !bytes.Equal(b, again) {
		t.Error("the same case file made twice differs")
	}
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{ManifestPath, CoverPath, ContentsPath, testTL, testDoc, "evidence/" + testPhotoSum()}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("files in the zip: %v, want %v", names, want)
	}
	m, _ := zr.Open(CoverPath)
	cover, _ := io.ReadAll(m)
	for _, s := range []string{"保管期限", "30年", testCaseNo, "2026年11月2日", "2026年11月6日", "城区住房和城乡建设局"} {
		if !bytes.Contains(cover, []byte(s)) {
			t.Errorf("the cover does not print %s", s)
		}
	}
	// Dates in Chinese form only: no ISO date on the cover or the contents.
	c, _ := zr.Open(ContentsPath)
	contents, _ := io.ReadAll(c)
	iso := regexp.MustCompile(`\b20\d\d-\d\d-\d\d\b`)
	for name, page := range map[string][]byte{"cover": cover, "contents": contents} {
		if m := iso.Find(page); m != nil {
			t.Errorf("the %s prints an ISO date, %s", name, m)
		}
	}
}

func TestAChangedBundleFailsNamingWhatChanged(t *testing.T) {
	b := testBundle(t, time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	flip := func(target string, find, repl string) []byte {
		return rezip(t, b, func(name string, body []byte) []byte {
			if name == target {
				if !bytes.Contains(body, []byte(find)) {
					t.Fatalf("%s has no %q", name, find)
				}
				return bytes.Replace(body, []byte(find), []byte(repl), 1)
			}
			return body
		}, nil)
	}
	for _, c := range []struct {
		name string
		b    []byte
		want []string
	}{
		{"a byte of a document", flip(testDoc, "贰万", "叁万"), []string{"file " + testDoc + " changed"}},
		{"a byte of the timeline", flip(testTL, `fine_yuan\": 20000`, `fine_yuan\": 2000`),
			[]string{"file " + testTL + " changed", "seq 2 (chain position 2): the entry's content does not match its hash"}},
		{"a step's actor", flip(testTL, "钱宏达", "钱宏远"), []string{"seq 3 (chain position 3)"}},
		{"a byte of evidence", flip("evidence/"+testPhotoSum(), "scaffolding", "scaffoldinG"),
			[]string{"file evidence/" + testPhotoSum() + " changed"}},
		{"a file removed", rezip(t, b, func(name string, body []byte) []byte {
			if name == testDoc {
				return nil
			}
			return body
		}, nil), []string{"file " + testDoc + " is missing"}},
		{"a file added", rezip(t, b, func(_ string, body []byte) []byte { return body },
			map[string][]byte{"cases/" + testCaseNo + "/documents/02-forged.html": []byte("<p>forged</p>")}),
			[]string{"file cases/" + testCaseNo + "/documents/02-forged.html was added"}},
		{"the manifest", flip(ManifestPath, `"retention": "30y"`, `"retention": "10y"`), []string{"manifest.json was changed"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep := verify(t, c.b)
			if rep.OK() {
				t.Fatal("a changed bundle verifies")
			}
			all := strings.Join(rep.Problems, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems do not say %q:\n%s", w, all)
				}
			}
		})
	}
}

func TestAByteFlippedInTheZipNamesTheFile(t *testing.T) {
	b := testBundle(t, time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC))
	zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	for _, f := range zr.File {
		if f.Name != testDoc {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		c := bytes.Clone(b)
		c[off+int64(f.CompressedSize64)/2] ^= 0x01
		rep := verify(t, c)
		if rep.OK() || !strings.Contains(strings.Join(rep.Problems, "\n"), testDoc) {
			t.Errorf("one byte flipped in %s: %v", testDoc, rep.Problems)
		}
		return
	}
	t.Fatal("no document in the bundle")
}
