package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// DeliveryKind is the River job kind that delivers one notification.
const DeliveryKind = "duty_notification"

// DeliveryArgs is the River job that delivers one outbox row: one
// notification to one person on one channel. Its fields are the row's
// unique key, so River's unique jobs (by args, in every job state) refuse
// a second job for a notification that has one, whatever became of it.
type DeliveryArgs struct {
	WorkflowID string `json:"workflow_id"`
	Seq        int64  `json:"seq"`
	PersonID   int64  `json:"person_id"`
	Channel    string `json:"channel"`
}

// Kind implements river.JobArgs.
func (DeliveryArgs) Kind() string { return DeliveryKind }

// everyJobState makes a delivery job unique for as long as River keeps
// it, delivered, given up or not: River's default would let a second job
// in beside a cancelled or discarded one.
var everyJobState = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStateCancelled, rivertype.JobStateCompleted,
	rivertype.JobStateDiscarded, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// InsertOpts implements river.JobArgsWithInsertOpts: each channel has a
// queue of its own, so a worker works only the channels it is configured
// for, and the job is unique by its args.
func (a DeliveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: DeliveryQueue(a.Channel), UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: everyJobState}}
}

// DeliveryQueue is the River queue of a channel's deliveries.
func DeliveryQueue(channel string) string { return "notify_" + channel }

// newJobClient is an insert-only River client on the pool: it queues
// delivery jobs in the caller's transaction; the workers' clients
// (package notify) work them.
func newJobClient(pool *pgxpool.Pool) (*river.Client[pgx.Tx], error) {
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("store: river client: %w", err)
	}
	return c, nil
}

// MigrateRiver brings River's own tables (river_job, river_leader, ...)
// up to the version this build's River needs, with River's migrator;
// gives the app role its privileges on them; and queues
// a job for every row the hand-written dispatcher left undelivered (rows
// from before migration 20261207213825). Run it after Migrate: the outbox's job_id
// column must exist. It returns the River versions it applied.
func MigrateRiver(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, fmt.Errorf("store: river migrator: %w", err)
	}
	jobs, err := newJobClient(pool)
	if err != nil {
		return nil, err
	}
	// Migrate's lock: processes starting at once migrate one at a time,
	// and their GRANTs on one table do not collide.
	var applied []string
	err = withMigrationLock(pool, func() error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("store: migrate river: %w", err)
		}
		defer conn.Release()
		// Each River version in a transaction of its own (one adds a value
		// to an enum, which a later one uses), on the pool's connections.
		res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("store: migrate river: %w", err)
		}
		for _, v := range res.Versions {
			applied = append(applied, fmt.Sprintf("river %03d_%s", v.Version, v.Name))
		}
		// Outside a transaction, as in Migrate: a refused GRANT of the role
		// to the migrating user is expected there and must not undo the rest.
		if err := grantAppRole(ctx, conn.Conn()); err != nil {
			return err
		}
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return requeueLegacy(ctx, tx, jobs) }); err != nil {
			return fmt.Errorf("store: queue undelivered notifications: %w", err)
		}
		return nil
	})
	return applied, err
}

// requeueLegacy gives a River job to every pending row that has none:
// rows the hand-written dispatcher had not delivered yet when migration
// 20261207213825 replaced it. New rows always get their job with them.
func requeueLegacy(ctx context.Context, tx pgx.Tx, jobs *river.Client[pgx.Tx]) error {
	rows, err := tx.Query(ctx, `SELECT workflow_id, seq, person_id, channel FROM outbox
		WHERE job_id IS NULL AND state = 'pending' ORDER BY id FOR UPDATE`)
	if err != nil {
		return err
	}
	args, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (DeliveryArgs, error) {
		var a DeliveryArgs
		return a, r.Scan(&a.WorkflowID, &a.Seq, &a.PersonID, &a.Channel)
	})
	if err != nil || len(args) == 0 {
		return err
	}
	ids, err := insertDeliveries(ctx, tx, jobs, args)
	if err != nil {
		return err
	}
	for i, a := range args {
		if _, err := tx.Exec(ctx, `UPDATE outbox SET job_id = $5 WHERE workflow_id = $1 AND seq = $2 AND person_id = $3 AND channel = $4`,
			a.WorkflowID, a.Seq, a.PersonID, a.Channel, ids[i]); err != nil {
			return err
		}
	}
	return nil
}

// insertDeliveries queues one River job per notification in tx and
// returns their ids in the order of args (an existing job's id where
// River found the notification queued already).
func insertDeliveries(ctx context.Context, tx pgx.Tx, jobs *river.Client[pgx.Tx], args []DeliveryArgs) ([]int64, error) {
	params := make([]river.InsertManyParams, len(args))
	for i, a := range args {
		params[i] = river.InsertManyParams{Args: a}
	}
	res, err := jobs.InsertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("queue deliveries: %w", err)
	}
	// River does not promise its results in the order of params: match
	// them by their args, which are unique.
	byArgs := make(map[DeliveryArgs]int64, len(res))
	for _, r := range res {
		var a DeliveryArgs
		if err := json.Unmarshal(r.Job.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("queue deliveries: %w", err)
		}
		byArgs[a] = r.Job.ID
	}
	ids := make([]int64, len(args))
	for i, a := range args {
		id, ok := byArgs[a]
		if !ok {
			return nil, fmt.Errorf("queue deliveries: no job for %+v", a)
		}
		ids[i] = id
	}
	return ids, nil
}

// DeliveryOf is the notification a delivery job delivers, its delivery
// state as recorded so far included.
func (s *Store) DeliveryOf(ctx context.Context, a DeliveryArgs) (Notification, error) {
	rows, err := s.Pool.Query(ctx, `SELECT `+notificationColumns+` FROM outbox o`+notificationJoins+`
		WHERE o.workflow_id = $1 AND o.seq = $2 AND o.person_id = $3 AND o.channel = $4`, a.WorkflowID, a.Seq, a.PersonID, a.Channel)
	if err != nil {
		return Notification{}, fmt.Errorf("store: notification to deliver: %w", err)
	}
	n, err := pgx.CollectExactlyOneRow(rows, scanNotification)
	if err != nil {
		return Notification{}, fmt.Errorf("store: notification to deliver %+v: %w", a, err)
	}
	return n, nil
}

// MarkDelivered records a delivery made on the attempt-th try. A late
// answer of an earlier attempt (one River rescued as stuck and ran again)
// does not overwrite a later one's outcome.
func (s *Store) MarkDelivered(ctx context.Context, id int64, attempt int, at time.Time) error {
	_, err := s.Pool.Exec(ctx, `UPDATE outbox SET state = 'delivered', attempts = $2, delivered_at = $3, last_error = ''
		WHERE id = $1 AND attempts <= $2 AND state <> 'delivered'`, id, attempt, at)
	if err != nil {
		return fmt.Errorf("store: mark delivered: %w", err)
	}
	return nil
}

// MarkFailed records the attempt-th try's failure. When River tries
// again is its job's to say (NotificationsFor reads it there).
func (s *Store) MarkFailed(ctx context.Context, id int64, attempt int, errText string) error {
	if len(errText) > 2000 {
		errText = strings.ToValidUTF8(errText[:2000], "")
	}
	_, err := s.Pool.Exec(ctx, `UPDATE outbox SET state = 'failed', attempts = $2, last_error = $3
		WHERE id = $1 AND attempts <= $2 AND state <> 'delivered'`, id, attempt, errText)
	if err != nil {
		return fmt.Errorf("store: mark failed: %w", err)
	}
	return nil
}
