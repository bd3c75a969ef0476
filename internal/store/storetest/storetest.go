// Package storetest is the conformance suite every qflow store driver must
// pass: a driver that passes it is a qflow store (design.md §2, §10).
//
// # What it covers
//
// Each scenario runs on a fresh store. Data goes in the way it does in
// production: raw Qualys documents (CSAM assets, VMDR hosts with their
// detections, KnowledgeBase entries) served by a small in-test sync.Source,
// turned into records by the out-of-box transform maps, and loaded by the
// sync engine through internal/load, the planner that decides what changes.
// The scenarios then look only through the store's own interfaces
// (store.Reader and store.Writer, LoadCheckpoint, Update with the lookups
// of store.Tx, DumpTable) and the internal/load helpers, never SQL, so that
// one expectation holds for every driver:
//
//   - writes: idempotent upserts, the checkpoint committed with its batch,
//     resuming after a failed source or a failed batch, the rollback of a
//     failed transaction, quarantine;
//   - decisions the store must apply faithfully: identity (merges, vetoes,
//     learned junk and splits), the finding lifecycle and the change feed,
//     stale records and removed assets, KnowledgeBase enrichment and risk;
//   - the rest of the surface: maps, rules, settings and junk, Tx lookups,
//     run locks, DumpTable and LoadTable, and one large batch.
//
// # Using it
//
// A driver's test calls Run under a subtest named after the driver, so
// that `go test -v` shows which driver ran it:
//
//	func TestConformance(t *testing.T) {
//		t.Run("sqlite", func(t *testing.T) {
//			storetest.Run(t, func(t *testing.T) store.Store { … })
//		})
//	}
//
// The model is CloudQuery's destination suite (plugin-sdk
// plugin/testing_write.go, TestWriterSuiteRunner).
package storetest

import (
	"testing"

	"github.com/qflow/qflow/internal/store"
)

// opener returns a fresh store (see Run).
type opener = func(t *testing.T) store.Store

// scenario is one named case of the suite.
type scenario struct {
	name string
	run  func(t *testing.T, st store.Store, open opener)
}

// scenarios returns the cases of the suite, in the order they are reported.
func scenarios() []scenario {
	return []scenario{
		// Writes.
		{"IdempotentUpserts", testIdempotentUpserts},
		{"SameRecordTwiceInOneBatch", testSameRecordTwiceInOneBatch},
		{"FullIncrementalAndStale", testFullIncrementalAndStale},
		{"CheckpointCommittedWithItsBatch", testCheckpointCommittedWithItsBatch},
		{"ResumeAfterFailedBatch", testResumeAfterFailedBatch},
		{"TxErrorRollsBackEverything", testTxErrorRollsBack},
		{"TxInterrupted", testTxInterrupted},
		{"Quarantine", testQuarantine},
		{"LargeBatch", testLargeBatch},
		// Identity.
		{"Identity/MergeWhenARecordLinksTwoAssets", testMergeWhenARecordLinksTwoAssets},
		{"Identity/MergeWhenAChangedRecordLinksAnAsset", testMergeWhenAChangedRecordLinksAnAsset},
		{"Identity/VetoKeepsMachinesApart", testVetoKeepsMachinesApart},
		{"Identity/ConflictingCandidatesStayApart", testConflictingCandidatesStayApart},
		{"Identity/LearnedJunkSplitsWhatItJoined", testLearnedJunkSplits},
		// Findings, the change feed, the KnowledgeBase and risk.
		{"Findings/Lifecycle", testFindingsLifecycle},
		{"Findings/KnowledgeBase", testVulns},
		{"Risk/ChangeFeedScoresAndWeights", testChangeFeedAndRisk},
		{"Risk/CriticalityBandsAndLists", testRiskCriticality},
		// The rest of the surface.
		{"Maps", testMaps},
		{"Summary/TopListsCountEachAssetOnce", testTopLists},
		{"RulesSettingsJunk", testRulesSettingsJunk},
		{"TxLookupsSeeEarlierWrites", testTxLookups},
		{"LockRun", testLockRun},
		{"DumpLoadRoundTrip", testDumpLoad},
	}
}

// Run runs the conformance suite, each scenario as a parallel subtest on a
// store of its own.
//
// open returns a fresh, empty store and arranges (with t.Cleanup) for it to
// be closed. Run calls it at least once per scenario, from scenarios running
// in parallel, so the stores it returns must be independent of each other
// (a file or a database each).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.run(t, open(t), open)
		})
	}
}
