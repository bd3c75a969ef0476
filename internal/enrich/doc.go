// Package enrich scores risk the way Qualys TruRisk does, from data qflow
// already holds: a finding's Qualys Detection Score (QDS), an asset's Asset
// Criticality Score (ACS) and the asset's TruRisk score with its band.
//
// The package is pure: no I/O, no package-level mutable state. Callers hand
// in plain values (a finding's QDS and QDS factors, the facts of its
// KnowledgeBase entry, an asset's criticality and tag criticalities) and get
// numbers back, with the intermediate steps available for display
// (DeriveQDS, Explain).
//
//   - QDS returns Qualys's QDS when the detection carries one; otherwise it
//     derives one from the KnowledgeBase (CVSS base, exploit maturity,
//     malware, CISA KEV). See DeriveQDS for the formula.
//   - ACS picks the highest valid criticality (1–5) of the asset and its
//     tags, default 2.
//   - TruRisk computes
//     min(1000, ACS × Σ_b w_b × avg(QDS_b) × n_b^(1/100)) over the QDS
//     buckets b (critical 90–100, high 70–89, medium 40–69, low 1–39), with
//     Fixed findings left out; Band names its range.
//
// Qualys does not publish its bucket weights; DefaultWeights documents
// qflow's. docs/risk.md explains everything with a worked example that the
// package's tests reproduce.
package enrich
