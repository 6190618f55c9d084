package store_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/duty-project/duty/internal/pgtest"
	"github.com/duty-project/duty/store"
)

// The details of an organisation record's entries are hashed as jsonb
// prints them, and printed so in Go (store.JsonbText) instead of read
// back: every document it prints must be exactly PostgreSQL's text, and
// what it cannot print so it must refuse.
func TestJsonbTextIsPostgreSQLs(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	docs := []string{
		`{}`, `[]`, `null`, `true`, `"x"`, `0`, `-17`, `123456789012345678901234567890`,
		`{"b": 1, "a": 2, "aa": 3, "B": 4, "": 5, "é": 6, "ab": 7}`,
		`{"a": 1, "a": 2}`,
		`{"subject":"org","id":12,"after":{"name":"城区第000001号企业有限公司","industries":["construction","mining"],"unit_id":null,"ok":false},"document":"城区安发〔2026〕1号","note":"导入 企业台账.xlsx"}`,
		`["\b\f\n\r\t\"\\/", "\u0001\u001f\u007f", "\u003c\u003e\u0026", "\u2028\u2029", "😀 \ud83d\ude00"]`,
		`{"nested": [[], {}, [{"z": [1, {"y": null}]}]]}`,
	}
	// And generated ones: strings of every kind of character, keys of
	// every length.
	rnd := rand.New(rand.NewPCG(15, 45))
	alphabet := []rune("ab\"\\/\b\f\n\r\t\x01\x1f\x7f<>&中文〔〕\u2028é😀 ")
	word := func() string {
		var b strings.Builder
		for range rnd.IntN(6) {
			b.WriteRune(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 200 {
		m := map[string]any{}
		for range rnd.IntN(8) {
			switch rnd.IntN(4) {
			case 0:
				m[word()] = word()
			case 1:
				m[word()] = rnd.Int64N(1<<40) - 1<<39
			case 2:
				m[word()] = []any{word(), nil, true, map[string]any{word(): word()}}
			default:
				m[word()] = map[string]any{word(): rnd.IntN(3) == 0, word(): word()}
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(b))
	}
	for _, doc := range docs {
		got, ok := store.JsonbText([]byte(doc))
		if !ok {
			t.Errorf("%s: not printed", doc)
			continue
		}
		var want string
		if err := pool.QueryRow(ctx, `SELECT $1::jsonb::text`, doc).Scan(&want); err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", doc, got, want)
		}
	}
	// What numeric or jsonb would print otherwise, it leaves to them.
	for _, doc := range []string{`1.0`, `{"a": 1e3}`, `-0`, `[0.5]`, `"\u0000"`, `{"a": 1`, `1 2`} {
		if got, ok := store.JsonbText([]byte(doc)); ok {
			t.Errorf("%s: printed %s, want left to PostgreSQL", doc, got)
		}
	}
}
