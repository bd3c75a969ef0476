package load

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/store"
)

// Rules returns the identification rules in force: the stored ones, or
// the defaults when none were set.
func Rules(ctx context.Context, st store.Reader) (identify.Rules, error) {
	stored, err := st.Rules(ctx)
	if err != nil {
		return nil, fmt.Errorf("read identification rules: %w", err)
	}
	if len(stored) == 0 {
		return identify.Defaults(), nil
	}
	out := make(identify.Rules, len(stored))
	for i, r := range stored {
		out[i] = identify.Rule{Name: r.Name, Enabled: r.Enabled}
		for _, a := range r.Attributes {
			out[i].Attributes = append(out[i].Attributes, identify.Attribute(a))
		}
	}
	return out, nil
}

// SetRules validates and stores the identification rules (they apply to
// records identified from then on; existing assets keep their identity).
func SetRules(ctx context.Context, st store.Writer, rules identify.Rules) error {
	if err := rules.Validate(); err != nil {
		return err
	}
	out := make([]store.Rule, len(rules))
	for i, r := range rules {
		out[i] = store.Rule{Name: r.Name, Enabled: r.Enabled}
		for _, a := range r.Attributes {
			out[i].Attributes = append(out[i].Attributes, string(a))
		}
	}
	return st.SetRules(ctx, out)
}

// Policy returns the identification policy in force: the stored one, or
// the default.
func Policy(ctx context.Context, st store.Reader) (identify.Policy, error) {
	return policyTx(ctx, st)
}

func policyTx(ctx context.Context, st settingReader) (identify.Policy, error) {
	v, ok, err := st.Setting(ctx, settingIdentifyPolicy)
	if err != nil {
		return identify.Policy{}, fmt.Errorf("read identification policy: %w", err)
	}
	p := identify.DefaultPolicy()
	if !ok {
		return p, nil
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return identify.Policy{}, fmt.Errorf("identification policy is corrupt (set it again with `qflow rules set`): %w", err)
	}
	return p, nil
}

// SetPolicy validates and stores the identification policy (veto
// attributes, junk threshold). It applies to records identified from then
// on.
func SetPolicy(ctx context.Context, st store.Writer, p identify.Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return st.SetSetting(ctx, settingIdentifyPolicy, string(b))
}

// AddJunk marks a value of an attribute as junk by hand: it never matches
// from then on (records already grouped by it keep their asset).
func AddJunk(ctx context.Context, st store.Writer, a identify.Attribute, value string) error {
	if !slices.Contains(identify.Attributes, a) || a == identify.NativeKey {
		return fmt.Errorf("--attribute %q: want one of agent_id, bios_serial, hardware_uuid, cloud_instance_id, mac, fqdn, netbios_domain, ip", a)
	}
	v := identify.Canonical(a, value)
	if v == "" {
		return fmt.Errorf("%s %q is junk already (built in)", a, value)
	}
	return st.AddJunk(ctx, store.JunkEntry{Attribute: string(a), Value: v, Origin: "manual", At: timeText(time.Now())})
}

// RemoveJunk takes a value off the junk list: it matches again for records
// identified from then on. It reports whether the value was listed.
func RemoveJunk(ctx context.Context, st store.Writer, a identify.Attribute, value string) (bool, error) {
	v := identify.Canonical(a, value)
	if v == "" {
		v = value
	}
	return st.RemoveJunk(ctx, string(a), v)
}

// BuiltinJunkCounts counts, per attribute, the values of the stored source
// records that are junk from the start (identify.IsBuiltinJunk), keyed by
// the raw value.
func BuiltinJunkCounts(ctx context.Context, st store.Reader) ([]store.JunkEntry, error) {
	order := []identify.Attribute{identify.AgentID, identify.BIOSSerial, identify.HardwareUUID, identify.CloudInstanceID, identify.FQDN}
	fields := []string{"agent_id", "bios_serial_number", "hw_uuid", "cloud_instance_id", "fqdn", "mac_addresses"}
	counts := map[store.Identifier]int64{}
	err := st.RecordValues(ctx, fields, func(vals []any) error {
		for i, a := range order {
			if s, ok := vals[i].(string); ok && identify.IsBuiltinJunk(a, s) {
				counts[store.Identifier{Attribute: string(a), Value: s}]++
			}
		}
		for _, m := range jsonList(vals[len(order)]) {
			if s, ok := m.(string); ok && identify.IsBuiltinJunk(identify.MAC, s) {
				counts[store.Identifier{Attribute: string(identify.MAC), Value: s}]++
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read record identifiers: %w", err)
	}
	out := make([]store.JunkEntry, 0, len(counts))
	for k, n := range counts {
		out = append(out, store.JunkEntry{Attribute: k.Attribute, Value: k.Value, Origin: "builtin", Records: n})
	}
	slices.SortFunc(out, func(a, b store.JunkEntry) int {
		if a.Attribute != b.Attribute {
			return strings.Compare(a.Attribute, b.Attribute)
		}
		if a.Records != b.Records {
			return int(b.Records - a.Records)
		}
		return strings.Compare(a.Value, b.Value)
	})
	return out, nil
}

// jsonList reads a list value as a store returns JSON values: a decoded
// list, or its JSON text.
func jsonList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	case string:
		var out []any
		if json.Unmarshal([]byte(t), &out) == nil {
			return out
		}
	}
	return nil
}
