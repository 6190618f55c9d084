package draw

import (
	"slices"
	"strings"
	"testing"
)

func input(seed string) Input {
	return Input{Algorithm: Algorithm, Seed: seed, Enterprises: []int64{3, 5, 8, 13, 21, 34, 55, 89}, Officers: []int64{101, 102, 103, 104}, Count: 3}
}

var (
	seedA = strings.Repeat("a1", 32)
	seedB = strings.Repeat("b2", 32)
)

func TestSameRecordSameDraw(t *testing.T) {
	first, err := Draw(input(seedA))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Draw(input(seedA))
	if !slices.Equal(first, again) {
		t.Fatalf("the same record drew %v, then %v", first, again)
	}
	seen := map[int64]bool{}
	for _, p := range first {
		if seen[p.EnterpriseID] || !slices.Contains(input(seedA).Enterprises, p.EnterpriseID) {
			t.Errorf("enterprise %d drawn twice or not a candidate: %v", p.EnterpriseID, first)
		}
		seen[p.EnterpriseID] = true
		if p.Officers[0] == p.Officers[1] {
			t.Errorf("one officer drawn twice for %d: %v", p.EnterpriseID, p.Officers)
		}
	}
}

// TestKnownDraw pins the algorithm: anyone repeating it elsewhere from the
// package comment must get this.
func TestKnownDraw(t *testing.T) {
	got, _ := Draw(input(seedA))
	want := []Pair{{21, [2]int64{101, 103}}, {89, [2]int64{102, 101}}, {3, [2]int64{104, 103}}}
	if !slices.Equal(got, want) {
		t.Fatalf("seed %s… draws %v, want %v", seedA[:8], got, want)
	}
}

func TestOtherSeedOtherDraw(t *testing.T) {
	a, _ := Draw(input(seedA))
	b, _ := Draw(input(seedB))
	if slices.Equal(a, b) {
		t.Fatalf("two seeds drew the same: %v", a)
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	in := input(seedA)
	rec, _ := Draw(in)
	if ok, err := Verify(in, rec); !ok || err != nil {
		t.Fatalf("the untouched record does not verify: %v %v", ok, err)
	}
	swapped := slices.Clone(rec)
	swapped[0].Officers[0], swapped[0].Officers[1] = swapped[0].Officers[1], swapped[0].Officers[0]
	if ok, _ := Verify(in, swapped); ok {
		t.Error("a record with its officers swapped verifies")
	}
	fewer := in
	fewer.Enterprises = slices.DeleteFunc(slices.Clone(in.Enterprises), func(id int64) bool { return id == rec[0].EnterpriseID })
	if ok, _ := Verify(fewer, rec); ok {
		t.Error("a record whose candidate list lost the drawn enterprise verifies")
	}
	other := in
	other.Seed = seedB
	if ok, _ := Verify(other, rec); ok {
		t.Error("a record with another seed verifies")
	}
}

func TestEveryCandidateCanBeDrawn(t *testing.T) {
	in := input("")
	counts := map[int64]int{}
	for range 400 {
		s, err := NewSeed()
		if err != nil {
			t.Fatal(err)
		}
		in.Seed = s
		in.Count = 1
		d, err := Draw(in)
		if err != nil {
			t.Fatal(err)
		}
		counts[d[0].EnterpriseID]++
	}
	for _, e := range in.Enterprises {
		if counts[e] == 0 {
			t.Errorf("enterprise %d never drawn in 400 draws: %v", e, counts)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, mod := range map[string]func(*Input){
		"unsorted":     func(in *Input) { in.Enterprises = []int64{5, 3} },
		"repeat":       func(in *Input) { in.Officers = []int64{101, 101} },
		"one officer":  func(in *Input) { in.Officers = []int64{101} },
		"too many":     func(in *Input) { in.Count = 9 },
		"short seed":   func(in *Input) { in.Seed = "abcd" },
		"upper seed":   func(in *Input) { in.Seed = strings.ToUpper(seedA) },
		"other method": func(in *Input) { in.Algorithm = "math/rand" },
	} {
		in := input(seedA)
		mod(&in)
		if _, err := Draw(in); err == nil {
			t.Errorf("%s: drawn", name)
		}
	}
}
