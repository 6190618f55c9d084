package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/duty-project/duty/draw"
)

// errDrawMismatch is a draw whose record does not repeat.
var errDrawMismatch = errors.New("the draw does not repeat from its record: see above")

const drawUsage = `Usage: duty draw verify [flags] ID

Repeats a 双随机 draw from its record in PostgreSQL — the algorithm, the
server-made seed, the sorted lists of candidate enterprises and officers,
the count (package draw documents the algorithm) — and compares what it
draws with the pairs recorded. It reads PostgreSQL only.

Exit status: 0 the record repeats; 1 it does not, or the check could not
run; 2 usage error.

Flags:
`

// cmdDraw is 'duty draw verify ID'.
func cmdDraw(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg config
	fs := newFlags("draw", &cfg, stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, drawUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "verify" {
		fs.Usage()
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			return flag.ErrHelp
		}
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		fs.Usage()
		return errUsage
	}
	say := func(format string, a ...any) { fmt.Fprintf(stderr, "duty: "+format+"\n", a...) }
	st, done, err := operatorStore(ctx, cfg, say)
	if err != nil {
		return err
	}
	defer done()
	d, err := st.GetDraw(ctx, id)
	if err != nil {
		return err
	}
	got, err := draw.Draw(d.Input)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "draw %d: %s, seed %s, %d enterprises and %d officers drawn from, %d drawn\n",
		d.ID, d.Input.Algorithm, d.Input.Seed, len(d.Input.Enterprises), len(d.Input.Officers), d.Input.Count)
	ok, _ := draw.Verify(d.Input, d.Pairs)
	for i, p := range got {
		mark := "="
		if i >= len(d.Pairs) || d.Pairs[i] != p {
			mark = "≠"
		}
		fmt.Fprintf(stdout, "  %d. enterprise %d, officers %d and %d %s recorded\n", i+1, p.EnterpriseID, p.Officers[0], p.Officers[1], mark)
	}
	if !ok {
		fmt.Fprintln(stdout, "FAILED: the record does not repeat")
		return errDrawMismatch
	}
	fmt.Fprintln(stdout, "OK: the record repeats")
	return nil
}
