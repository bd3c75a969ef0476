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

// Index finds the assets that carry an identifier.
type Index interface {
	// Assets returns the IDs of the assets known with attribute a = value.
	Assets(ctx context.Context, a Attribute, value string) ([]int64, error)
}

// Decision is the outcome of Resolve.
type Decision struct {
	// AssetID is the matched asset; 0 when the record is a new asset.
	AssetID int64 `json:"asset_id"`
	// Rule names the rule that matched ("" for a new asset).
	Rule string `json:"rule,omitempty"`
	// Candidates lists every asset the deciding rule matched when it
	// matched several (a conflict); AssetID is the most trusted of them.
	Candidates []int64 `json:"candidates,omitempty"`
}

// New reports whether the record is a new asset.
func (d Decision) New() bool { return d.AssetID == 0 }

// Resolve applies the enabled rules in order to ids. The first rule whose
// attributes are all present and that matches at least one asset decides.
// When it matches several, the asset also matched by the most other
// enabled rules wins (ties: the oldest asset, the lowest ID), and
// Candidates lists them all so that the caller can log the conflict.
func Resolve(ctx context.Context, rules Rules, ids Identifiers, idx Index) (Decision, error) {
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		cands, ok, err := match(ctx, r, ids, idx)
		if err != nil {
			return Decision{}, fmt.Errorf("identify: rule %q: %w", r.Name, err)
		}
		if !ok || len(cands) == 0 {
			continue
		}
		if len(cands) == 1 {
			return Decision{AssetID: cands[0], Rule: r.Name}, nil
		}
		best, bestScore := cands[0], -1
		for _, c := range cands {
			score := 0
			for _, o := range rules {
				if !o.Enabled || o.Name == r.Name {
					continue
				}
				oc, ok, err := match(ctx, o, ids, idx)
				if err != nil {
					return Decision{}, fmt.Errorf("identify: rule %q: %w", o.Name, err)
				}
				if ok && slices.Contains(oc, c) {
					score++
				}
			}
			if score > bestScore || (score == bestScore && c < best) {
				best, bestScore = c, score
			}
		}
		return Decision{AssetID: best, Rule: r.Name, Candidates: cands}, nil
	}
	return Decision{}, nil
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
