package identify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// DefaultJunkThreshold is the number of different machines that may share
// an identifier value before it is learned as junk.
const DefaultJunkThreshold = 5

// Policy says how identification treats conflicting and shared values.
type Policy struct {
	// Veto lists the machine identifiers whose differing values keep a
	// record off an asset (default: BIOS serial, hardware UUID, cloud
	// instance ID). Agent IDs and native keys never veto: an agent
	// reinstalled on the same machine, or one machine in two
	// subscriptions, legitimately has two.
	Veto []Attribute `json:"veto"`
	// JunkThreshold: a value carried by records of more than this many
	// different machines (by serial, hardware UUID or agent ID) in one
	// subscription is junk for its attribute and never matches again
	// (default 5).
	JunkThreshold int `json:"junk_threshold"`
}

// DefaultPolicy returns the policy of design.md §7.
func DefaultPolicy() Policy {
	return Policy{Veto: []Attribute{BIOSSerial, HardwareUUID, CloudInstanceID}, JunkThreshold: DefaultJunkThreshold}
}

// Validate reports every problem of p at once.
func (p Policy) Validate() error {
	var errs []error
	seen := map[Attribute]bool{}
	for _, a := range p.Veto {
		switch {
		case !slices.Contains(Attributes, a):
			errs = append(errs, fmt.Errorf("veto: unknown attribute %q (known: %s)", a, attrList()))
		case a == NativeKey || a == AgentID:
			errs = append(errs, fmt.Errorf("veto: %s cannot veto: one machine legitimately has several (two subscriptions, an agent reinstalled)", a))
		case seen[a]:
			errs = append(errs, fmt.Errorf("veto: attribute %q twice", a))
		}
		seen[a] = true
	}
	if p.JunkThreshold < 1 {
		errs = append(errs, fmt.Errorf("junk threshold: %d, want at least 1", p.JunkThreshold))
	}
	if len(errs) > 0 {
		return fmt.Errorf("identification policy: %w", errors.Join(errs...))
	}
	return nil
}

// machineAttrs are the attributes that tell machines apart when counting
// who carries a value.
var machineAttrs = []Attribute{BIOSSerial, HardwareUUID, AgentID}

// Carriers reads who carries a value: the distinct serials, hardware UUIDs
// and agent IDs of the records of one subscription that carry attribute a
// = value. An implementation may stop at limit values per attribute.
type Carriers interface {
	Carriers(ctx context.Context, a Attribute, value string, limit int) (Identifiers, error)
}

// Junk is an identifier value learned to be shared by many machines.
type Junk struct {
	Attribute Attribute `json:"attribute"`
	Value     string    `json:"value"`
	// Machines is the number of different machines seen carrying it (at
	// least JunkThreshold+1; counting stops there).
	Machines int `json:"machines"`
}

// LearnJunk returns the values of ids that the records already loaded
// (read through c) together with this record show on more than
// p.JunkThreshold different machines: machines told apart by serial,
// hardware UUID or agent ID, other than the attribute counted. Only the
// attributes that match or veto (those of enabled rules, and p.Veto) are
// counted; native keys are never junk. The caller drops the values from
// ids, records them and re-decides the grouping of the records that carry
// them.
func LearnJunk(ctx context.Context, rules Rules, p Policy, ids Identifiers, c Carriers) ([]Junk, error) {
	var out []Junk
	asked := CarrierQueries(rules, p, ids)
	for _, a := range Attributes {
		for _, v := range asked[a] {
			got, err := c.Carriers(ctx, a, v, p.JunkThreshold+1)
			if err != nil {
				return nil, fmt.Errorf("identify: who carries %s %q: %w", a, v, err)
			}
			n := 0
			for _, m := range machineAttrs {
				if m == a {
					continue
				}
				vals := union(Identifiers{m: slices.Clone(got[m])}, ids, []Attribute{m})[m]
				n = max(n, len(vals))
			}
			if n > p.JunkThreshold {
				out = append(out, Junk{Attribute: a, Value: v, Machines: n})
			}
		}
	}
	return out, nil
}

// CarrierQueries returns the identifiers of ids whose carriers LearnJunk
// reads: those of the attributes that match or veto, native keys aside.
func CarrierQueries(rules Rules, p Policy, ids Identifiers) Identifiers {
	used := map[Attribute]bool{}
	for _, r := range rules {
		for _, a := range r.Attributes {
			used[a] = used[a] || r.Enabled
		}
	}
	for _, a := range p.Veto {
		used[a] = true
	}
	out := Identifiers{}
	for a, vs := range ids {
		if a != NativeKey && used[a] && len(vs) > 0 {
			out[a] = vs
		}
	}
	return out
}

// AssetQueries returns the identifiers of ids that Resolve may look up
// assets by: those of the attributes of enabled rules.
func AssetQueries(rules Rules, ids Identifiers) Identifiers {
	out := Identifiers{}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		for _, a := range r.Attributes {
			if vs := ids[a]; len(vs) > 0 {
				out[a] = vs
			}
		}
	}
	return out
}

// Without returns ids without the junk values.
func (ids Identifiers) Without(junk []Junk) Identifiers {
	if len(junk) == 0 {
		return ids
	}
	out := Identifiers{}
	for a, vs := range ids {
		for _, v := range vs {
			if !slices.ContainsFunc(junk, func(j Junk) bool { return j.Attribute == a && j.Value == v }) {
				out[a] = append(out[a], v)
			}
		}
	}
	return out
}

// Group splits records into machines: two records are one machine when an
// enabled rule matches them (all its attributes share a value) and no veto
// attribute tells them apart, directly or through the records already
// grouped with them. It returns groups of indexes into recs, each sorted,
// ordered by their first index; records are taken in their order, so the
// first record's group is first.
func Group(rules Rules, p Policy, recs []Identifiers) [][]int {
	var acc []Identifiers // veto values of each group
	var members [][]int
	for i, r := range recs {
		// Groups this record links to, in order.
		var links []int
		for g := range members {
			for _, j := range members[g] {
				if linked(rules, r, recs[j]) {
					links = append(links, g)
					break
				}
			}
		}
		target := -1
		for _, g := range links {
			if _, _, _, bad := conflict(p, r, acc[g]); bad {
				continue
			}
			if target < 0 {
				target = g
				continue
			}
			if _, _, _, bad := conflict(p, acc[target], acc[g]); bad {
				continue
			}
			// The record links two groups: they are one machine.
			members[target] = append(members[target], members[g]...)
			acc[target] = union(acc[target], acc[g], p.Veto)
			members[g] = nil
		}
		if target < 0 {
			target = len(members)
			members = append(members, nil)
			acc = append(acc, Identifiers{})
		}
		members[target] = append(members[target], i)
		acc[target] = union(acc[target], r, p.Veto)
	}
	var out [][]int
	for _, m := range members {
		if len(m) > 0 {
			slices.Sort(m)
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b []int) int { return a[0] - b[0] })
	return out
}

// linked reports whether an enabled rule matches x and y.
func linked(rules Rules, x, y Identifiers) bool {
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		all := true
		for _, a := range r.Attributes {
			if !slices.ContainsFunc(x[a], func(v string) bool { return slices.Contains(y[a], v) }) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// IsBuiltinJunk reports whether a raw value of attribute a is junk that
// qflow knows from the start (Canonical drops it).
func IsBuiltinJunk(a Attribute, raw string) bool {
	return strings.TrimSpace(raw) != "" && Canonical(a, raw) == ""
}

// BuiltinJunk describes the values of attribute a that are junk from the
// start, for listings.
func BuiltinJunk(a Attribute) string {
	switch a {
	case BIOSSerial:
		return "placeholder serials (" + strings.Join([]string{"To be filled by O.E.M.", "Default string", "System Serial Number", "0", "None", "…"}, ", ") + "), one character repeated"
	case HardwareUUID, AgentID:
		return "all-zero or all-F UUIDs, the AMI placeholder 03000200-0400-0500-0006-000700080009"
	case CloudInstanceID:
		return "template placeholders (instanceId_value, …_value)"
	case MAC:
		return "all-zero/all-F, multicast, locally administered, virtual adapters (" + strings.Join(virtualOUIs, ", ") + ")"
	case FQDN:
		return "names without a domain, IP-shaped names, localhost"
	case NetBIOSDomain:
		return "IP-shaped names, localhost"
	case IP:
		return "loopback, link-local, unspecified, multicast"
	}
	return ""
}
