// Package sync is qflow's engine: it pulls raw records from a Source, turns
// them into normalized records with a compiled transform map, and hands them
// to a Sink in batches, pipelined so that extraction of the next records
// overlaps transformation and loading of the previous ones.
//
// # Promises
//
// Delivery is at-least-once and writes are idempotent: a batch, the
// quarantine entries it produced and the checkpoint that follows it are
// committed by the Sink in one transaction, so a run killed at any point
// resumes from the last committed checkpoint, re-reads at most one batch, and
// neither loses nor duplicates data.
//
// A record that cannot be transformed is quarantined with its reason and the
// run goes on. A run fails only when the source or the sink fails.
//
// The engine knows interfaces, not drivers: it imports neither the Qualys
// client nor any store.
package sync
