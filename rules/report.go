package rules

import (
	"fmt"
	"time"
)

// ReportRules are the numbers of reports from the public (群众举报;
// 安全生产法 Art.73–76 [check], 安全生产领域举报奖励办法 2018 [check]):
// how long the department has to verify a report, the range a reward for
// a confirmed one is decided in, and which sector's department takes a
// report whose enterprise is not on record. A set without them takes no
// reports: the public page says so rather than guess the numbers.
type ReportRules struct {
	// VerifyWithin is how long after a report is filed the department
	// must have recorded its verification (confirmed or unfounded); a
	// miss is on the department's record.
	VerifyWithin Duration `json:"verify_within"`
	// RewardMinYuan and RewardMaxYuan bound a reward for a confirmed
	// report, in yuan.
	RewardMinYuan int64 `json:"reward_min_yuan"`
	RewardMaxYuan int64 `json:"reward_max_yuan"`
	// DefaultSector is the sector whose department in the chosen district
	// takes a report about an enterprise not on record: the 应急管理部门,
	// which supervises safety as a whole (综合监管).
	DefaultSector string `json:"default_sector"`
}

// Configured says whether the set takes reports from the public.
func (r ReportRules) Configured() bool { return r.VerifyWithin > 0 }

// VerifyDue is when a report filed at filed must be verified by.
func (r ReportRules) VerifyDue(filed time.Time) time.Time {
	return filed.Add(time.Duration(r.VerifyWithin))
}

func (r ReportRules) validate() error {
	if r == (ReportRules{}) {
		return nil
	}
	if r.VerifyWithin <= 0 {
		return fmt.Errorf("verify_within must be positive")
	}
	if r.RewardMinYuan < 0 || r.RewardMaxYuan < r.RewardMinYuan {
		return fmt.Errorf("reward_min_yuan must be 0 or more and at most reward_max_yuan")
	}
	if r.DefaultSector == "" {
		return fmt.Errorf("default_sector is required")
	}
	return nil
}
