// Package draw is the 双随机 draw (随机抽取检查对象、随机选派执法检查人员):
// which enterprises of a plan are inspected and which two officers of the
// department inspect each. A draw is a pure function of its record — the
// seed and the two sorted candidate lists — so anyone holding the record
// can repeat it and see the same result (一公开: the randomness is
// recorded and repeatable).
//
// The algorithm, fixed for every draw ever recorded (a change would be a
// new Algorithm name, never an edit):
//
//  1. The seed is 32 bytes written as 64 lowercase hex digits. It is made
//     by the server from crypto/rand and recorded with the inputs before
//     the result exists; the person drawing never chooses it.
//  2. A stream of 64-bit numbers: block i (i = 0, 1, 2, …) is
//     SHA-256(seed bytes ‖ i as 8 bytes big-endian); each block gives four
//     numbers, its bytes 0–7, 8–15, 16–23, 24–31 read big-endian.
//  3. uniform(n), a number in [0, n): take the next number x from the
//     stream; if x ≥ 2⁶⁴ − (2⁶⁴ mod n) reject it and take the next (so
//     no candidate is favoured); otherwise x mod n.
//  4. Enterprises: the candidates sorted by id ascending; for i from 0 to
//     count−1, j = i + uniform(len − i), swap positions i and j (a partial
//     Fisher–Yates shuffle). The first count positions are drawn, in
//     that order.
//  5. Officers: for each drawn enterprise in order, the officer
//     candidates sorted by id ascending, fresh for each enterprise; two
//     steps of the same shuffle, continuing the one stream; the first two
//     positions are the pair.
package draw

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/duty-project/duty/i18n"
)

// Algorithm names the procedure above; a record keeps it so that a later
// procedure never re-reads an old draw differently.
const Algorithm = "sha256-fisher-yates-v1"

// Input is what a draw is made from and what its record keeps.
type Input struct {
	Algorithm   string  `json:"algorithm"`
	Seed        string  `json:"seed"`
	Enterprises []int64 `json:"enterprises"`
	Officers    []int64 `json:"officers"`
	Count       int     `json:"count"`
}

// Pair is one drawn enterprise and its two officers.
type Pair struct {
	EnterpriseID int64    `json:"enterprise_id"`
	Officers     [2]int64 `json:"officers"`
}

// NewSeed makes a seed from the operating system's secure randomness.
func NewSeed() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("draw: seed: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Validate checks that the input is one a draw can be made from: the
// known algorithm, a well-formed seed, candidate lists sorted and without
// repeats (the record must say exactly what was drawn from), enough
// enterprises and at least two officers.
func (in Input) Validate() error {
	if in.Algorithm != Algorithm {
		return fmt.Errorf("draw: unknown algorithm %q", in.Algorithm)
	}
	if b, err := hex.DecodeString(in.Seed); err != nil || len(b) != 32 || hex.EncodeToString(b) != in.Seed {
		return fmt.Errorf("draw: the seed must be 64 lowercase hex digits")
	}
	for name, ids := range map[string][]int64{"enterprises": in.Enterprises, "officers": in.Officers} {
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				return fmt.Errorf("draw: the %s must be sorted ascending without repeats", name)
			}
		}
	}
	if in.Count < 1 || in.Count > len(in.Enterprises) {
		return &Error{Reason: ReasonCount, Max: len(in.Enterprises)}
	}
	if len(in.Officers) < 2 {
		return &Error{Reason: ReasonOfficers}
	}
	return nil
}

// Error is an input a draw cannot be made from for a reason the person
// asking can mend (the Reason… constants); the message of the catalogue
// it names (draw.<reason>) says it in their language. The input's other
// faults are the server's, and plain errors.
type Error struct {
	Reason string
	Max    int // the most enterprises that may be drawn (ReasonCount)
}

// The reasons a draw is refused.
const (
	ReasonCount    = "count"    // more enterprises than there are, or none
	ReasonOfficers = "officers" // fewer than two officers with a 执法证
)

// Msg is the reason as a message of the catalogue.
func (e *Error) Msg() i18n.Msg {
	return i18n.Msg{ID: "draw." + e.Reason, Args: i18n.Args{"Max": e.Max}}
}

// Error is the reason in Chinese.
func (e *Error) Error() string { m := e.Msg(); return i18n.T(i18n.Chinese, m.ID, m.Args) }

// Draw makes the draw: a pure function of in (see the package comment).
func Draw(in Input) ([]Pair, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	seed, _ := hex.DecodeString(in.Seed)
	s := &stream{seed: seed}
	ents := slices.Clone(in.Enterprises)
	s.shuffle(ents, in.Count)
	out := make([]Pair, in.Count)
	for i, e := range ents[:in.Count] {
		offs := slices.Clone(in.Officers)
		s.shuffle(offs, 2)
		out[i] = Pair{EnterpriseID: e, Officers: [2]int64{offs[0], offs[1]}}
	}
	return out, nil
}

// Verify repeats the draw from its record and reports whether it gives
// the recorded result.
func Verify(in Input, recorded []Pair) (bool, error) {
	got, err := Draw(in)
	if err != nil {
		return false, err
	}
	return slices.Equal(got, recorded), nil
}

// stream is the sequence of 64-bit numbers of step 2.
type stream struct {
	seed  []byte
	block uint64
	buf   []byte
}

func (s *stream) next() uint64 {
	if len(s.buf) == 0 {
		h := sha256.New()
		h.Write(s.seed)
		h.Write(binary.BigEndian.AppendUint64(nil, s.block))
		s.buf = h.Sum(nil)
		s.block++
	}
	x := binary.BigEndian.Uint64(s.buf[:8])
	s.buf = s.buf[8:]
	return x
}

// uniform is step 3.
func (s *stream) uniform(n uint64) uint64 {
	// 2⁶⁴ mod n, computed in 64 bits: (2⁶⁴ − n) mod n.
	rem := (-n) % n
	for {
		x := s.next()
		if rem == 0 || x < -rem {
			return x % n
		}
	}
}

// shuffle is steps 4 and 5: the first k positions of a partial
// Fisher–Yates shuffle.
func (s *stream) shuffle(a []int64, k int) {
	for i := range k {
		j := i + int(s.uniform(uint64(len(a)-i)))
		a[i], a[j] = a[j], a[i]
	}
}
