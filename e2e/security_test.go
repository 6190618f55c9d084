package e2e

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/duty-project/duty/internal/pgtest"
)

// A client that sends its request body slowly is cut off once the
// request has taken --read-timeout, instead of holding its connection
// (and a goroutine of the server) for as long as it likes.
func TestASlowRequestBodyIsCutOff(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--read-timeout", "2s")
	conn, err := net.Dial("tcp", strings.TrimPrefix(duty.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The headers promise a body of 1,000 bytes; one byte comes, then
	// nothing.
	if _, err := io.WriteString(conn, "POST /api/v1/login HTTP/1.1\r\nHost: duty\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	// Long past the read timeout, the server must have ended the
	// connection; a connection still open then is held for good.
	if err := conn.SetReadDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(conn)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("the server still held the connection of a request that stalled mid-body a minute ago")
	}
}

// Repeated wrong passwords lock the login, in every API process (the
// count is in PostgreSQL), whether or not the login exists; a login that
// does not exist is answered exactly as a wrong password; and a flood of
// attempts from one address is slowed before any of that.
func TestGuessingPasswordsIsStopped(t *testing.T) {
	db := pgtest.NewDatabase(t)
	first := start(t, dataDir(t), db)
	second := start(t, dataDir(t), db, "--no-worker") // another API process on the same database
	anon := func(in *instance) *user { return &user{t: t, base: in.base} }
	try := func(in *instance, login, password string) (int, map[string]any) {
		return anon(in).call("POST", "/api/v1/login", map[string]any{"login": login, "password": password})
	}

	// An unknown login and a wrong password get the same answer.
	s1, unknown := try(first, "nobody.here", "guess")
	s2, wrong := try(first, "zhao.jiancha", "guess")
	if s1 != 401 || s2 != 401 || unknown["message"] != wrong["message"] || unknown["code"] != wrong["code"] {
		t.Fatalf("unknown login %d %v; wrong password %d %v: must be the same", s1, unknown, s2, wrong)
	}
	// Nine more wrong passwords, spread over both processes, lock the login:
	// then even the right password is refused, by either process.
	for i := range 9 {
		in := first
		if i%2 == 1 {
			in = second
		}
		if s, out := try(in, "zhao.jiancha", "guess"); s != 401 {
			t.Fatalf("wrong password %d: %d %v", i+2, s, out)
		}
	}
	for _, in := range []*instance{first, second} {
		if s, out := try(in, "zhao.jiancha", "duty-demo"); s != 429 || !strings.Contains(out["message"].(string), "已锁定") {
			t.Fatalf("the right password after ten wrong ones: %d %v, want 429 locked", s, out)
		}
	}
	// An unknown login locks the same way, so a lock says nothing either.
	for range 10 {
		try(first, "nobody.here", "guess")
	}
	if s, out := try(first, "nobody.here", "guess"); s != 429 {
		t.Fatalf("an unknown login after ten tries: %d %v, want 429 as for a real one", s, out)
	}
	// Other logins are not affected.
	first.login("qian.zong")

	// One address flooding the login is slowed whatever the login.
	limited := 0
	for i := range 60 {
		if s, _ := try(second, "flood."+itoa(int64(i)), "x"); s == 429 {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("60 login attempts at once from one address were all answered")
	}
}

// Logging out ends the token on the server: a copy of it kept anywhere is
// refused afterwards. A session unused for --session-idle ends by itself.
func TestLogoutAndIdleEndTheSession(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t), "--session-idle", "3s")
	inspector := duty.login("zhao.jiancha")
	inspector.must(200, "GET", "/api/v1/me", nil)
	inspector.must(200, "POST", "/api/v1/logout", nil)
	if out := inspector.must(401, "GET", "/api/v1/me", nil); !strings.Contains(out["message"].(string), "请重新登录") {
		t.Fatalf("a token after logout: %v", out)
	}

	company := duty.login("qian.zong")
	company.must(200, "GET", "/api/v1/me", nil)
	time.Sleep(4 * time.Second) // past the idle limit
	company.must(401, "GET", "/api/v1/me", nil)
	duty.login("qian.zong").must(200, "GET", "/api/v1/me", nil) // a new login is a new session
}

// A list is paginated over what the caller may see: rows that policy
// filters out (here, cases of a sector the inspector does not supervise)
// never cut the list short or drop the cursor, so no visible case is lost.
func TestListsPageOverWhatTheCallerMaySee(t *testing.T) {
	duty := start(t, dataDir(t), pgtest.NewDatabase(t))
	construction := duty.login("zhao.jiancha") // 区住建局
	chemicals := duty.login("wu.jiancha")      // 区应急管理局
	hongda := duty.login("qian.zong").orgID
	xinyuan := duty.login("zhou.zong").orgID
	for range 3 {
		construction.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "工地", "description": "临边防护缺失"})
	}
	chem := caseOf(chemicals.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": xinyuan, "location": "罐区", "description": "静电接地缺失"}))["case_no"].(string)
	construction.must(201, "POST", "/api/v1/hazards", map[string]any{"grade": "general", "enterprise_id": hongda, "location": "工地", "description": "脚手架"})

	var seen []string
	after := ""
	for page := 0; page < 10; page++ {
		out := chemicals.must(200, "GET", "/api/v1/cases?limit=1&after="+after, nil)
		for _, c := range out["cases"].([]any) {
			seen = append(seen, c.(map[string]any)["case_no"].(string))
		}
		next, _ := out["next"].(string)
		if next == "" {
			break
		}
		after = next
	}
	if strings.Join(seen, ",") != chem {
		t.Fatalf("the chemicals inspector paging by one saw %v, want exactly %s", seen, chem)
	}
}
