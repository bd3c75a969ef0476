// Package identify decides which asset a source record describes: ordered
// identification rules, each a set of identifying attributes that must all
// match, tried in order against an index of the identifiers already known
// (design.md §7). It does no I/O of its own: the store supplies the index.
package identify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Attribute names an identifying attribute of a host record.
type Attribute string

// The identifying attributes, in their default order of trust.
const (
	// NativeKey is the Qualys key within one subscription: the host ID
	// (CSAM hostId, VMDR host ID) and the source's own record key.
	NativeKey Attribute = "native_key"
	// AgentID is the Qualys Cloud Agent ID (CSAM agentId, VMDR QG_HOSTID).
	AgentID Attribute = "agent_id"
	// BIOSSerial is the BIOS serial number.
	BIOSSerial Attribute = "bios_serial"
	// HardwareUUID is the SMBIOS hardware UUID.
	HardwareUUID Attribute = "hardware_uuid"
	// CloudInstanceID is the cloud provider's instance ID.
	CloudInstanceID Attribute = "cloud_instance_id"
	// MAC is a network interface's MAC address (a record may have several).
	MAC Attribute = "mac"
	// FQDN is the fully qualified DNS name.
	FQDN Attribute = "fqdn"
	// NetBIOSDomain is the NetBIOS name together with the DNS domain.
	NetBIOSDomain Attribute = "netbios_domain"
	// IP is an IP address (a record may have several).
	IP Attribute = "ip"
)

// Attributes lists every attribute, in default order.
var Attributes = []Attribute{NativeKey, AgentID, BIOSSerial, HardwareUUID, CloudInstanceID, MAC, FQDN, NetBIOSDomain, IP}

// Rule is one identification rule: a record matches an asset when every
// one of the rule's attributes matches.
type Rule struct {
	Name       string      `json:"name" yaml:"name"`
	Attributes []Attribute `json:"attributes" yaml:"attributes"`
	Enabled    bool        `json:"enabled" yaml:"enabled"`
}

// Rules are tried in order; the first that yields an asset decides.
type Rules []Rule

// Defaults returns the default rules of design.md §7: one per attribute,
// all on except IP address.
func Defaults() Rules {
	names := map[Attribute]string{
		NativeKey: "Qualys host ID", AgentID: "Agent ID", BIOSSerial: "BIOS serial number",
		HardwareUUID: "Hardware UUID", CloudInstanceID: "Cloud instance ID", MAC: "MAC address",
		FQDN: "FQDN", NetBIOSDomain: "NetBIOS name and domain", IP: "IP address",
	}
	out := make(Rules, 0, len(Attributes))
	for _, a := range Attributes {
		out = append(out, Rule{Name: names[a], Attributes: []Attribute{a}, Enabled: a != IP})
	}
	return out
}

// Validate reports every problem of the rules at once: no rule enabled,
// unnamed or duplicate rules, rules without attributes, unknown or repeated
// attributes.
func (rs Rules) Validate() error {
	var errs []error
	names := map[string]bool{}
	enabled := 0
	for i, r := range rs {
		at := fmt.Sprintf("rule %d", i+1)
		if r.Name == "" {
			errs = append(errs, fmt.Errorf("%s: no name", at))
		} else if names[strings.ToLower(r.Name)] {
			errs = append(errs, fmt.Errorf("%s: duplicate name %q", at, r.Name))
		}
		names[strings.ToLower(r.Name)] = true
		if len(r.Attributes) == 0 {
			errs = append(errs, fmt.Errorf("%s (%s): no attributes", at, r.Name))
		}
		seen := map[Attribute]bool{}
		for _, a := range r.Attributes {
			if !slices.Contains(Attributes, a) {
				errs = append(errs, fmt.Errorf("%s (%s): unknown attribute %q (known: %s)", at, r.Name, a, attrList()))
			} else if seen[a] {
				errs = append(errs, fmt.Errorf("%s (%s): attribute %q twice", at, r.Name, a))
			}
			seen[a] = true
		}
		if r.Enabled {
			enabled++
		}
	}
	if enabled == 0 {
		errs = append(errs, errors.New("no rule is enabled: at least one identification rule must stay on"))
	}
	if len(errs) > 0 {
		return fmt.Errorf("identification rules: %w", errors.Join(errs...))
	}
	return nil
}

func attrList() string {
	s := make([]string, len(Attributes))
	for i, a := range Attributes {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

// Identifiers are a record's identifying values, normalized, junk removed;
// an attribute may have several values (MAC and IP addresses, native keys).
type Identifiers map[Attribute][]string

// Index finds the assets that carry an identifier, and an asset's values.
// It answers from the identifiers already loaded, learned junk left out.
type Index interface {
	// Assets returns the IDs of the assets known with attribute a = value.
	Assets(ctx context.Context, a Attribute, value string) ([]int64, error)
	// Values returns the distinct values of attribute a that the records
	// of asset carry.
	Values(ctx context.Context, asset int64, a Attribute) ([]string, error)
}

// Veto is a candidate asset rejected because a machine identifier that both
// the record and the asset carry has different values: two serials are two
// machines.
type Veto struct {
	// Rule is the rule that found the candidate.
	Rule string `json:"rule"`
	// AssetID is the rejected candidate.
	AssetID int64 `json:"asset_id"`
	// Attribute is the machine identifier that differs.
	Attribute Attribute `json:"attribute"`
	// Value is the record's value, AssetValue the asset's.
	Value      string `json:"value"`
	AssetValue string `json:"asset_value"`
}

// Decision is the outcome of Resolve.
type Decision struct {
	// AssetID is the record's asset; 0 when the record is a new asset.
	AssetID int64 `json:"asset_id"`
	// Rule names the most trusted rule that matched ("" for a new asset).
	Rule string `json:"rule,omitempty"`
	// Merge lists the other assets the record links to AssetID (matched by
	// this or another rule, with no conflict): they become one asset,
	// AssetID, the oldest of them.
	Merge []int64 `json:"merge,omitempty"`
	// Candidates lists the assets that matched but conflict with the
	// chosen one (they carry another value of a veto attribute), with the
	// chosen one: they stay apart, and the caller logs the conflict.
	Candidates []int64 `json:"candidates,omitempty"`
	// Vetoes are the candidates rejected for a conflict with the record.
	Vetoes []Veto `json:"vetoes,omitempty"`
}

// New reports whether the record is a new asset.
func (d Decision) New() bool { return d.AssetID == 0 }

// candidate is an asset a rule matched.
type candidate struct {
	id    int64
	rule  int // index of the first enabled rule that matched it
	score int // enabled rules that match it
	vals  Identifiers
}

// Resolve decides the asset of a record with identifiers ids:
//
//   - Every enabled rule, in order, proposes the assets matching all its
//     attributes. A candidate is vetoed when a veto attribute of p (by
//     default BIOS serial, hardware UUID, cloud instance ID) has values on
//     both sides and none in common; the record then tries the next rules.
//   - No candidate left: a new asset (Decision.New).
//   - Otherwise the candidate of the most trusted rule (then the one most
//     rules match, then the oldest) is the record's machine, and every other
//     candidate that does not conflict with it is the same machine too: the
//     record links them, and they merge into the oldest (Decision.Merge).
//     Candidates that conflict with the chosen one stay apart
//     (Decision.Candidates).
//
// So the result does not depend on the order in which records arrive: a
// record that links two assets makes them one, whichever came first.
func Resolve(ctx context.Context, rules Rules, p Policy, ids Identifiers, idx Index) (Decision, error) {
	var d Decision
	var cands []*candidate
	byID := map[int64]*candidate{}
	vetoed := map[int64]bool{}
	for ri, r := range rules {
		if !r.Enabled {
			continue
		}
		ms, ok, err := match(ctx, r, ids, idx)
		if err != nil {
			return Decision{}, fmt.Errorf("identify: rule %q: %w", r.Name, err)
		}
		if !ok {
			continue
		}
		for _, id := range ms {
			if c := byID[id]; c != nil {
				c.score++
				continue
			}
			if vetoed[id] {
				continue
			}
			vals, err := vetoValues(ctx, p, id, idx)
			if err != nil {
				return Decision{}, fmt.Errorf("identify: values of asset %d: %w", id, err)
			}
			if a, rv, av, bad := conflict(p, ids, vals); bad {
				vetoed[id] = true
				d.Vetoes = append(d.Vetoes, Veto{Rule: r.Name, AssetID: id, Attribute: a, Value: rv, AssetValue: av})
				continue
			}
			c := &candidate{id: id, rule: ri, score: 1, vals: vals}
			byID[id] = c
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		return d, nil
	}
	slices.SortStableFunc(cands, func(a, b *candidate) int {
		switch {
		case a.rule != b.rule:
			return a.rule - b.rule
		case a.score != b.score:
			return b.score - a.score
		}
		return cmpID(a.id, b.id)
	})
	chosen := cands[0]
	d.Rule = rules[chosen.rule].Name
	// The machine's identifiers so far: the record's and the chosen asset's.
	acc := union(Identifiers{}, ids, p.Veto)
	acc = union(acc, chosen.vals, p.Veto)
	group := []int64{chosen.id}
	var apart []int64
	for _, c := range cands[1:] {
		if _, _, _, bad := conflict(p, acc, c.vals); bad {
			apart = append(apart, c.id)
			continue
		}
		acc = union(acc, c.vals, p.Veto)
		group = append(group, c.id)
	}
	slices.Sort(group)
	d.AssetID, d.Merge = group[0], group[1:]
	if len(d.Merge) == 0 {
		d.Merge = nil
	}
	if len(apart) > 0 {
		d.Candidates = append([]int64{d.AssetID}, apart...)
		slices.Sort(d.Candidates)
	}
	return d, nil
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// vetoValues reads the values of the veto attributes of an asset.
func vetoValues(ctx context.Context, p Policy, asset int64, idx Index) (Identifiers, error) {
	out := Identifiers{}
	for _, a := range p.Veto {
		vs, err := idx.Values(ctx, asset, a)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 {
			out[a] = vs
		}
	}
	return out, nil
}

// conflict reports the first veto attribute on which x and y both have
// values and share none, with one value of each.
func conflict(p Policy, x, y Identifiers) (Attribute, string, string, bool) {
	for _, a := range p.Veto {
		xs, ys := x[a], y[a]
		if len(xs) == 0 || len(ys) == 0 {
			continue
		}
		shared := false
		for _, v := range xs {
			if slices.Contains(ys, v) {
				shared = true
				break
			}
		}
		if !shared {
			return a, xs[0], ys[0], true
		}
	}
	return "", "", "", false
}

// union adds the values of the attributes as of y to x.
func union(x, y Identifiers, as []Attribute) Identifiers {
	for _, a := range as {
		for _, v := range y[a] {
			if !slices.Contains(x[a], v) {
				x[a] = append(x[a], v)
			}
		}
	}
	return x
}

// match returns the assets matching every attribute of r (sorted), and
// whether the record has all of r's attributes.
func match(ctx context.Context, r Rule, ids Identifiers, idx Index) ([]int64, bool, error) {
	var out []int64
	for i, a := range r.Attributes {
		vals := ids[a]
		if len(vals) == 0 {
			return nil, false, nil
		}
		var any []int64
		for _, v := range vals {
			got, err := idx.Assets(ctx, a, v)
			if err != nil {
				return nil, true, err
			}
			any = append(any, got...)
		}
		slices.Sort(any)
		any = slices.Compact(any)
		if i == 0 {
			out = any
		} else {
			out = slices.DeleteFunc(out, func(x int64) bool { return !slices.Contains(any, x) })
		}
		if len(out) == 0 {
			return nil, true, nil
		}
	}
	return out, true, nil
}
