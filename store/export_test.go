package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/duty-project/duty/cases"
)

// StatisticsByScan exposes the statistics counted from the case rows, for
// the tests and the benchmark that hold case_counts to it.
var StatisticsByScan = (*Store).statisticsByScan

// InspectedEnterprisesByScan exposes the distinct enterprises counted from
// the inspection cases, for the tests and the benchmark that hold
// inspected_enterprise_years to it.
var InspectedEnterprisesByScan = (*Store).inspectedEnterprisesByScan

// JsonbText exposes the printing of details as jsonb prints them, for the
// test that holds it to PostgreSQL's own.
var JsonbText = jsonbText

// EnqueueAgain queues a step's notifications again in a transaction of
// its own, as RecordStep would if a step's audit entry did not stop a
// second write: for the test that holds River's unique jobs to one job
// per notification.
func (s *Store) EnqueueAgain(ctx context.Context, st cases.Step) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error { return s.enqueueNotifications(ctx, tx, st, nil) })
}
