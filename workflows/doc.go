// Package workflows is where every kind of case runs as a durable Temporal
// workflow, and the registry of them all (All) that the worker and the
// end-to-end tests register.
//
// Layout: one sub-package per kind of case — hazard (with the enforcement
// ladder it climbs), talk, penalty, escalation, accident — over casekit,
// which writes what every kind shares once: the run skeleton (validate,
// register, record the opening, live, finish), the state every case has,
// the one writer of its steps, and the updates whose validator and handler
// share one check. The ladder package holds the signals a rung and its
// hazard exchange, so a rung need not import the hazard that starts it.
// The imports go one way: accident starts hazards; a hazard starts talks
// and escalations and tells penalties; a penalty starts escalations; all
// of them use casekit (and the rungs ladder). internal/casetest is the
// harness their tests share.
//
// Rules for every workflow here:
//   - Deterministic code only: no time.Now, randomness, map iteration
//     order, goroutines or I/O; side effects are activities. workflowcheck
//     checks it.
//   - A change to what a released workflow does is guarded by
//     workflow.GetVersion against the released behaviour: cases started by
//     that release are still running.
//   - The names a history holds never change: workflow types (All),
//     updates, queries, signals, activities, and the JSON keys of inputs,
//     views and results. Go names may.
//   - The histories saved from each release are in testdata/<release>/;
//     TestSavedHistoriesReplay replays every one against today's code.
package workflows
