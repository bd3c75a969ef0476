package cli

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/qflow/qflow/internal/identify"
	"github.com/qflow/qflow/internal/load"
	"github.com/qflow/qflow/internal/store"
)

func newRulesCmd(g *globals) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List or change the identification rules (how records become one asset per machine)",
		Long: `Identification rules decide which asset a source record describes. They are
tried in order; each is a set of attributes that must all match. A record
matching no asset is a new asset.

Conflicts veto: a candidate asset is rejected when a veto attribute (default
bios_serial, hardware_uuid, cloud_instance_id; qflow rules set --veto) has
other values on the asset than on the record: two serials are two machines.
The record then tries the next rules. Vetoes are listed by qflow rules
conflicts.

Junk never matches: built-in placeholders (placeholder BIOS serials, all-zero
UUIDs, template values such as instanceId_value, virtual or locally
administered MACs, loopback and link-local IPs, IP-shaped names), and values
learned to be shared by more than the junk threshold (default 5) of different
machines in one subscription. qflow rules junk lists them.

Links merge: a record that matches two assets without a conflict makes them
one asset, the older (an asset_merged change).

Attributes: ` + strings.Join(attrNames(), ", ") + `.

Changes apply to records identified from then on; assets already identified
keep their identity.`,
		Args: cobra.NoArgs,
	}
	db.register(cmd.PersistentFlags(), "")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Show the identification rules in force, in order",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRules(cmd, g, db, func(st store.Store, rules identify.Rules) error {
				if err := printRules(g, rules, asJSON); err != nil || asJSON {
					return err
				}
				p, err := load.Policy(cmd.Context(), st)
				if err != nil {
					return err
				}
				printPolicy(g, p)
				return nil
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print the rules as JSON")

	var enable, disable, remove, add []string
	var order, veto string
	var reset bool
	set := &cobra.Command{
		Use:   "set",
		Short: "Switch rules on or off, add, remove or reorder them",
		Example: `  qflow rules set --enable "IP address"
  qflow rules set --disable "MAC address" --disable FQDN
  qflow rules set --add "Name and IP=netbios_domain+ip"
  qflow rules set --order "Qualys host ID,BIOS serial number,Agent ID,Hardware UUID,Cloud instance ID,MAC address,FQDN,NetBIOS name and domain,IP address"
  qflow rules set --veto bios_serial,hardware_uuid
  qflow rules set --reset`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRules(cmd, g, db, func(st store.Store, rules identify.Rules) error {
				p, err := load.Policy(cmd.Context(), st)
				if err != nil {
					return err
				}
				if reset {
					rules = identify.Defaults()
					p.Veto = identify.DefaultPolicy().Veto
				}
				rules, err = editRules(rules, enable, disable, remove, add, order)
				if err != nil {
					return err
				}
				if cmd.Flags().Changed("veto") {
					p.Veto = nil
					for _, a := range strings.Split(veto, ",") {
						if a = strings.TrimSpace(a); a != "" {
							p.Veto = append(p.Veto, identify.Attribute(a))
						}
					}
				}
				if err := p.Validate(); err != nil {
					return err
				}
				if err := load.SetRules(cmd.Context(), st, rules); err != nil {
					return err
				}
				if err := load.SetPolicy(cmd.Context(), st, p); err != nil {
					return err
				}
				if err := printRules(g, rules, false); err != nil {
					return err
				}
				printPolicy(g, p)
				return nil
			})
		},
	}
	fl := set.Flags()
	fl.StringArrayVar(&enable, "enable", nil, "switch the named rule on (repeatable)")
	fl.StringArrayVar(&disable, "disable", nil, "switch the named rule off (repeatable)")
	fl.StringArrayVar(&remove, "remove", nil, "remove the named rule (repeatable)")
	fl.StringArrayVar(&add, "add", nil, `add a rule at the end, "NAME=attr+attr" (repeatable)`)
	fl.StringVar(&order, "order", "", "the new order: every rule's name, comma-separated")
	fl.BoolVar(&reset, "reset", false, "start from the default rules and veto attributes")
	fl.StringVar(&veto, "veto", "", "the veto attributes, comma-separated (default bios_serial,hardware_uuid,cloud_instance_id; empty: no veto)")
	cmd.AddCommand(list, set, newJunkCmd(g, &db), newConflictsCmd(g, &db))
	return cmd
}

func newJunkCmd(g *globals, db *dbFlags) *cobra.Command {
	var asJSON bool
	var threshold int
	var add, remove, attr string
	cmd := &cobra.Command{
		Use:   "junk",
		Short: "List identifier values that never match (learned, added by hand, built in), or change the list",
		Long: `Lists the identifier values that never match: learned (carried by more than
the junk threshold of different machines in one subscription, by their serials,
hardware UUIDs or agent IDs), added by hand, and built in (placeholders seen in
real data), each with the number of source records that carry it.

A value learned as junk also re-decides the records already loaded: records
that only it held together become separate assets again (asset_split).`,
		Example: `  qflow rules junk
  qflow rules junk --junk-threshold 10
  qflow rules junk --add 00:0c:29:15:6a:72 --attribute mac
  qflow rules junk --remove 00:0c:29:15:6a:72 --attribute mac`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if (add != "" || remove != "") && attr == "" {
				return fmt.Errorf("--add and --remove need --attribute (one of %s)", strings.Join(attrNames()[1:], ", "))
			}
			return withRules(cmd, g, *db, func(st store.Store, _ identify.Rules) error {
				p, err := load.Policy(ctx, st)
				if err != nil {
					return err
				}
				if cmd.Flags().Changed("junk-threshold") {
					p.JunkThreshold = threshold
					if err := load.SetPolicy(ctx, st, p); err != nil {
						return err
					}
				}
				if add != "" {
					if err := load.AddJunk(ctx, st, identify.Attribute(attr), add); err != nil {
						return err
					}
				}
				if remove != "" {
					ok, err := load.RemoveJunk(ctx, st, identify.Attribute(attr), remove)
					if err != nil {
						return err
					}
					if !ok {
						return fmt.Errorf("%s %q is not on the junk list (built-in junk cannot be removed)", attr, remove)
					}
				}
				listed, err := st.Junk(ctx)
				if err != nil {
					return err
				}
				builtin, err := load.BuiltinJunkCounts(ctx, st)
				if err != nil {
					return err
				}
				all := append(listed, builtin...)
				if asJSON {
					enc := json.NewEncoder(g.env.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(struct {
						JunkThreshold int               `json:"junk_threshold"`
						Junk          []store.JunkEntry `json:"junk"`
						Builtin       map[string]string `json:"builtin_rules"`
					}{p.JunkThreshold, nonNil(all), builtinRules()})
				}
				fmt.Fprintf(g.env.Stdout, "junk threshold: a value carried by more than %d different machines in one subscription is junk\n\n", p.JunkThreshold)
				tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "ATTRIBUTE\tVALUE\tORIGIN\tRECORDS\tMACHINES\tLEARNED")
				for _, j := range all {
					machines, learned := "", ""
					if j.Origin == "learned" {
						machines = fmt.Sprintf("> %d", j.Machines-1)
						learned = fmt.Sprintf("run %d (%s), %s", j.RunID, j.Subscription, j.At)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", j.Attribute, j.Value, j.Origin, j.Records, machines, learned)
				}
				if err := tw.Flush(); err != nil {
					return err
				}
				fmt.Fprintln(g.env.Stdout, "\nbuilt in:")
				for _, a := range identify.Attributes[1:] {
					fmt.Fprintf(g.env.Stdout, "  %-18s %s\n", a, identify.BuiltinJunk(a))
				}
				return nil
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&asJSON, "json", false, "print the list as JSON")
	fl.IntVar(&threshold, "junk-threshold", identify.DefaultJunkThreshold, "set the junk threshold: the number of different machines that may share a value")
	fl.StringVar(&add, "add", "", "add VALUE to the junk list (with --attribute)")
	fl.StringVar(&remove, "remove", "", "take VALUE off the junk list (with --attribute)")
	fl.StringVar(&attr, "attribute", "", "the attribute of --add or --remove: "+strings.Join(attrNames()[1:], ", "))
	return cmd
}

func builtinRules() map[string]string {
	out := map[string]string{}
	for _, a := range identify.Attributes[1:] {
		out[string(a)] = identify.BuiltinJunk(a)
	}
	return out
}

func newConflictsCmd(g *globals, db *dbFlags) *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "conflicts",
		Short: "List identification conflicts: candidates vetoed or kept apart, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRules(cmd, g, *db, func(st store.Store, _ identify.Rules) error {
				cs, err := st.Conflicts(cmd.Context(), limit)
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(g.env.Stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(nonNil(cs))
				}
				tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tKIND\tRECORD\tASSET\tKEPT OFF\tRULE\tATTRIBUTE\tVALUE\tOTHER VALUE")
				for _, c := range cs {
					fmt.Fprintf(tw, "%d\t%s\t%s %s\t%d\t%d\t%s\t%s\t%s\t%s\n", c.RunID, c.Kind, c.Source, c.NativeKey, c.AssetID, c.OtherAssetID, c.Rule, c.Attribute, c.Value, c.OtherValue)
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the conflicts as JSON")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many (0: all)")
	return cmd
}

func printPolicy(g *globals, p identify.Policy) {
	var veto []string
	for _, a := range p.Veto {
		veto = append(veto, string(a))
	}
	if len(veto) == 0 {
		veto = []string{"(none)"}
	}
	fmt.Fprintf(g.env.Stdout, "\nveto attributes: %s\njunk threshold:  %d machines (qflow rules junk)\n", strings.Join(veto, ", "), p.JunkThreshold)
}

// withRules opens the database and calls fn with the rules in force.
func withRules(cmd *cobra.Command, g *globals, db dbFlags, fn func(store.Store, identify.Rules) error) error {
	st, err := openStore(cmd.Context(), g, db, openCreate, g.logger())
	if err != nil {
		return err
	}
	defer st.Close()
	rules, err := load.Rules(cmd.Context(), st)
	if err != nil {
		return err
	}
	return fn(st, rules)
}

func attrNames() []string {
	out := make([]string, len(identify.Attributes))
	for i, a := range identify.Attributes {
		out[i] = string(a)
	}
	return out
}

// editRules applies the set flags to rules; the result is validated by
// the store before it is saved.
func editRules(rules identify.Rules, enable, disable, remove, add []string, order string) (identify.Rules, error) {
	rules = slices.Clone(rules)
	find := func(name string) (int, error) {
		for i, r := range rules {
			if strings.EqualFold(r.Name, name) {
				return i, nil
			}
		}
		var names []string
		for _, r := range rules {
			names = append(names, r.Name)
		}
		return -1, fmt.Errorf("no rule named %q (rules: %s)", name, strings.Join(names, ", "))
	}
	for _, n := range enable {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules[i].Enabled = true
	}
	for _, n := range disable {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules[i].Enabled = false
	}
	for _, n := range remove {
		i, err := find(n)
		if err != nil {
			return nil, err
		}
		rules = slices.Delete(rules, i, i+1)
	}
	for _, spec := range add {
		name, attrs, ok := strings.Cut(spec, "=")
		if !ok || strings.TrimSpace(name) == "" || attrs == "" {
			return nil, fmt.Errorf("--add %q: want NAME=attr+attr (attributes: %s)", spec, strings.Join(attrNames(), ", "))
		}
		r := identify.Rule{Name: strings.TrimSpace(name), Enabled: true}
		for _, a := range strings.Split(attrs, "+") {
			r.Attributes = append(r.Attributes, identify.Attribute(strings.TrimSpace(a)))
		}
		rules = append(rules, r)
	}
	if order != "" {
		names := strings.Split(order, ",")
		if len(names) != len(rules) {
			return nil, fmt.Errorf("--order names %d rules, there are %d: name each once", len(names), len(rules))
		}
		var out identify.Rules
		for _, n := range names {
			i, err := find(strings.TrimSpace(n))
			if err != nil {
				return nil, err
			}
			out = append(out, rules[i])
		}
		rules = out
	}
	return rules, nil
}

func printRules(g *globals, rules identify.Rules, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(g.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rules)
	}
	tw := tabwriter.NewWriter(g.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tRULE\tATTRIBUTES\tENABLED")
	for i, r := range rules {
		var attrs []string
		for _, a := range r.Attributes {
			attrs = append(attrs, string(a))
		}
		on := "off"
		if r.Enabled {
			on = "on"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", i+1, r.Name, strings.Join(attrs, " + "), on)
	}
	return tw.Flush()
}
