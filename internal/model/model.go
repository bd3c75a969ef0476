// Package model holds qflow's normalized types: the record a transform map
// produces from one source record, and the catalog of target fields a map may
// write. It does no I/O and imports nothing of qflow.
package model

import "time"

// Source names a Qualys data source.
type Source string

// The sources qflow reads: CSAM host assets, VMDR hosts with their
// detections, and KnowledgeBase vulnerabilities (QIDs).
const (
	SourceCSAM Source = "CSAM"
	SourceVMDR Source = "VMDR"
	SourceKB   Source = "KB"
)

// RecordEntity returns the entity of a source's record itself, the entity
// whose values Record.Host holds: host for CSAM and VMDR, vuln for KB. It
// returns "" for an unknown source.
func (s Source) RecordEntity() Entity {
	switch s {
	case SourceCSAM, SourceVMDR:
		return EntityHost
	case SourceKB:
		return EntityVuln
	}
	return ""
}

// Entity names a kind of normalized row a transform map writes into.
type Entity string

// The entities of the normalized model. Host and vuln are records
// themselves (see Source.RecordEntity); the others are lists hanging off a
// record (one row per list element).
const (
	EntityHost              Entity = "host"               // a CSAM asset, a VMDR host
	EntityVuln              Entity = "vuln"               // a KnowledgeBase vulnerability (QID)
	EntityFinding           Entity = "finding"            // a VMDR detection: one per VULNERABILITIES[] element
	EntitySoftware          Entity = "software"           // the catalog ("Package")
	EntityInstalledSoftware Entity = "installed_software" // asset × software ("Installed Package")
	EntityOpenPort          Entity = "open_port"
	EntityNetworkInterface  Entity = "network_interface"
	EntityVolume            Entity = "volume"
	EntityService           Entity = "service"
	EntityTag               Entity = "tag"
	EntityBusinessApp       Entity = "business_app"
	EntityCustomAttribute   Entity = "custom_attribute"
)

// Values holds normalized field values by target field name (without the
// entity prefix). Values are string, int64, float64, bool, time.Time,
// []string, or nil for "absent".
type Values map[string]any

// String returns the field as a string ("" when absent or not a string).
func (v Values) String(field string) string {
	s, _ := v[field].(string)
	return s
}

// Int returns the field as an int64 and whether it was present.
func (v Values) Int(field string) (int64, bool) {
	i, ok := v[field].(int64)
	return i, ok
}

// Time returns the field as a time and whether it was present.
func (v Values) Time(field string) (time.Time, bool) {
	t, ok := v[field].(time.Time)
	return t, ok
}

// Item is one element of a list entity. Software and installed software come
// from the same source list element, so an Item may carry values for several
// entities at once (keyed by entity).
type Item map[Entity]Values

// Record is one source record (a CSAM asset, a VMDR host, a KnowledgeBase
// vuln) after its transform map: the record's own values plus the rows of
// each list, grouped by the source list they came from.
type Record struct {
	Source    Source
	NativeKey string // the source's own key: CSAM assetId, VMDR host ID, KB QID
	// Host holds the record's own values: the host for CSAM/VMDR, the vuln
	// for KB (fields of entity Source.RecordEntity()).
	Host Values
	// Lists holds the elements of each source list, by list path
	// (e.g. "softwareListData.software"). Each element maps entity → values.
	Lists map[string][]Item
}

// Rows returns every row written for entity e, across all source lists.
func (r *Record) Rows(e Entity) []Values {
	var out []Values
	for _, items := range r.Lists {
		for _, it := range items {
			if v, ok := it[e]; ok {
				out = append(out, v)
			}
		}
	}
	return out
}
