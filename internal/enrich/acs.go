package enrich

// DefaultACS is the Asset Criticality Score of an asset with no criticality
// set, as in Qualys.
const DefaultACS = 2

// MinACS and MaxACS bound the Asset Criticality Score.
const (
	MinACS = 1
	MaxACS = 5
)

// ACS returns an asset's Asset Criticality Score, 1–5: the highest of the
// CSAM criticality score (criticality.score) and the criticality scores of
// the asset's tags, or DefaultACS when none is set. Values outside 1–5
// (0 meaning unset) are ignored.
//
// Pass a nil criticalityScore when CSAM marks it as a default
// (criticality.isDefault), so that a tag criticality of 1 can take effect.
func ACS(criticalityScore *int, tagCriticalities []int) int {
	best := 0
	consider := func(v int) {
		if v >= MinACS && v <= MaxACS && v > best {
			best = v
		}
	}
	if criticalityScore != nil {
		consider(*criticalityScore)
	}
	for _, v := range tagCriticalities {
		consider(v)
	}
	if best == 0 {
		return DefaultACS
	}
	return best
}
