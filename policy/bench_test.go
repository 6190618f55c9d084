package policy

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ory/ladon"
)

// BenchmarkDecision times one permission decision by a ladon warden over
// the Manager, at 100, 10,000 and 100,000 policies of a generated
// organisation loaded through PostgreSQL, against ladon's memory manager
// holding the same policies, measured in the same run:
//
//   - ns/op, p50-ns and p99-ns: our decisions over a mix of 4,096
//     generated requests, each iteration timed on its own for the
//     percentiles (which adds two clock reads to ns/op);
//   - memory-ns/op: the memory manager's mean over a fixed sample of the
//     same mix (50 requests at 100,000 policies, where one decision takes
//     a tenth of a second), measured once per size before the
//     sub-benchmarks;
//   - x-faster: memory-ns/op divided by our ns/op.
//
// Before anything is timed, both must give identical decisions on the
// sample. With -v, each size logs its load time, heap, the sample's mix of
// outcomes and both means on the sample alone.
//
// Both wardens get the same Matcher configuration, each its own cache, so
// neither evicts the other's compiled patterns. In "cache=all" the cache
// can hold every pattern (the memory manager's best case: with fewer
// entries than patterns it recompiles most of them on every decision);
// "warden" is the warden duty runs (NewWarden, matcherCacheSize entries),
// which recompiles whenever the mix reaches a pattern it has evicted.
func BenchmarkDecision(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{100, 10_000, 100_000} {
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			g := generateOrganisation(n, uint64(n))
			start := time.Now()
			m := loadThroughPostgres(b, g.policies)
			loaded := time.Since(start)
			mem := memoryManagerOf(b, g.policies)

			r := rand.New(rand.NewPCG(uint64(n), 3))
			requests := make([]*ladon.Request, 4096)
			for i := range requests {
				requests[i] = g.request(r)
			}
			sample := requests[:min(len(requests), 5_000_000/n)]
			if len(sample) < 50 {
				sample = requests[:50]
			}

			bigCache := 4 * n
			ours := benchWarden(m, bigCache)
			theirs := benchWarden(mem, bigCache)
			// Warm both caches on the sample, and check the decisions.
			outcomes := map[string]int{}
			for _, req := range sample {
				a, b2 := outcome(ours.IsAllowed(ctx, req)), outcome(theirs.IsAllowed(ctx, req))
				if a != b2 {
					b.Fatalf("request %+v: Manager says %s, memory manager says %s", *req, a, b2)
				}
				outcomes[a]++
			}
			memTimes := timeDecisions(ctx, theirs, sample, 1)
			// Our cache then holds the whole mix, as a long-running server's
			// would; the memory manager's is let go.
			timeDecisions(ctx, ours, requests, 1)
			oursTimes := timeDecisions(ctx, ours, sample, max(1, 20_000/len(sample)))
			memMean, oursMean := mean(memTimes), mean(oursTimes)
			theirs, mem = nil, nil
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			b.Logf("%d policies, loaded from PostgreSQL in %v; heap %d MB; sample of %d requests %v: memory manager %v/decision, ours %v on the same sample: %.0fx faster",
				n, loaded.Round(time.Millisecond), ms.HeapAlloc>>20, len(sample), outcomes, time.Duration(memMean), time.Duration(oursMean), memMean/oursMean)

			run := func(w *ladon.Ladon, withBaseline bool) func(b *testing.B) {
				return func(b *testing.B) {
					times := make([]time.Duration, b.N)
					b.ResetTimer()
					for i := range b.N {
						req := requests[i%len(requests)]
						t0 := time.Now()
						_ = w.IsAllowed(ctx, req)
						times[i] = time.Since(t0)
					}
					b.StopTimer()
					slices.Sort(times)
					b.ReportMetric(float64(percentile(times, 50)), "p50-ns")
					b.ReportMetric(float64(percentile(times, 99)), "p99-ns")
					if withBaseline {
						b.ReportMetric(memMean, "memory-ns/op")
						b.ReportMetric(memMean/(float64(b.Elapsed())/float64(b.N)), "x-faster")
					}
				}
			}
			b.Run("cache=all", run(ours, true))
			// The warden duty runs (NewWarden), with its cache size.
			production := NewWarden(m).ladon
			timeDecisions(ctx, production, requests, 1)
			b.Run("warden", run(production, false))
		})
	}
}

func benchWarden(m ladon.Manager, cacheSize int) *ladon.Ladon {
	return &ladon.Ladon{
		Manager:     m,
		Matcher:     newLinearMatcher(cacheSize),
		Metric:      &ladon.MetricNoOp{},
		AuditLogger: &ladon.AuditLoggerNoOp{},
	}
}

// timeDecisions returns the time of each decision on requests, repeated
// reps times.
func timeDecisions(ctx context.Context, w *ladon.Ladon, requests []*ladon.Request, reps int) []time.Duration {
	times := make([]time.Duration, 0, reps*len(requests))
	for range reps {
		for _, req := range requests {
			t0 := time.Now()
			_ = w.IsAllowed(ctx, req)
			times = append(times, time.Since(t0))
		}
	}
	return times
}

func mean(ts []time.Duration) float64 {
	var sum time.Duration
	for _, t := range ts {
		sum += t
	}
	return float64(sum) / float64(len(ts))
}

// percentile returns the p-th percentile of sorted times.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[max(0, i-1)]
}

// BenchmarkSlowPatterns matches the patterns that stalled ladon's
// backtracking matcher against a 200-byte value that almost matches, with
// ladon's matcher (the baseline) and the warden's, in the same run. ladon's
// errors after 250 ms on most of them (counted as "errors").
func BenchmarkSlowPatterns(b *testing.B) {
	value := "user:" + strings.Repeat("a", 200)
	for _, pat := range []string{"user:<.*.*.*.*.*.*.*.*x>", "user:<(a+)+b>", "user:<[a-z]+>"} {
		p := validPolicy("slow")
		for _, m := range []struct {
			name    string
			matcher interface {
				Matches(ladon.Policy, []string, string) (bool, error)
			}
		}{{"ladon", ladon.NewRegexpMatcher(8)}, {"linear", newLinearMatcher(8)}} {
			b.Run(pat+"/"+m.name, func(b *testing.B) {
				errs := 0
				for b.Loop() {
					if _, err := m.matcher.Matches(p, []string{pat}, value); err != nil {
						errs++
					}
				}
				b.ReportMetric(float64(errs)/float64(b.N), "errors/op")
			})
		}
	}
}
