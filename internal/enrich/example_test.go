package enrich_test

import (
	"fmt"

	"github.com/qflow/qflow/internal/enrich"
)

func ExampleQDS() {
	// Qualys sent no QDS; the KnowledgeBase has a CVSS v3 base and a public
	// exploit.
	kb := enrich.VulnFacts{CVSS3Base: new(8.1), ExploitSources: []string{"The Exploit-DB"}}
	score, derived := enrich.QDS(enrich.FindingQDS{}, kb)
	fmt.Println(score, derived, enrich.DeriveQDS(enrich.FindingQDS{}, kb).Formula())
	// Output: 70 true 6.5×8.1 + 35×0.5 = 70.15 → 70
}

func ExampleTruRisk() {
	acs := enrich.ACS(new(3), []int{4, 2}) // highest wins: 4
	findings := []enrich.ScoredFinding{
		{QDS: 72, Status: "Active"},
		{QDS: 44, Status: "New"},
		{QDS: 100, Status: "Fixed"}, // left out
	}
	score := enrich.TruRisk(acs, findings, enrich.DefaultWeights())
	fmt.Println(acs, score, enrich.Band(score))
	// Output: 4 526 medium
}
