package daemon

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/softnet/softnet/inet"
	"github.com/softnet/softnet/netdev"
	"github.com/softnet/softnet/sched"
	"github.com/softnet/softnet/xfrm"
)

// actionKinds are the tc action kinds whose stats are exported.
var actionKinds = []string{"gact", "mirred"}

// Collector is a prometheus.Collector that walks the daemon's world at
// scrape time: nothing on the data path knows about Prometheus.
type Collector struct{ d *Daemon }

var _ prometheus.Collector = Collector{}

var (
	descDrops = prometheus.NewDesc("softnet_device_drops_total",
		"Packets dropped on a device, by drop reason (enum skb_drop_reason names).",
		[]string{"netns", "device", "reason"}, nil)
	descUp = prometheus.NewDesc("softnet_device_up",
		"1 when the device's operational state is UP (or UNKNOWN with IFF_UP), else 0.",
		[]string{"netns", "device", "kind"}, nil)
	descMTU = prometheus.NewDesc("softnet_device_mtu_bytes", "The device's MTU.",
		[]string{"netns", "device"}, nil)
	descSNMP = prometheus.NewDesc("softnet_snmp_total",
		"A namespace's IP/ICMP/UDP SNMP counters, named as nstat names them.",
		[]string{"netns", "counter"}, nil)
	descXfrm = prometheus.NewDesc("softnet_xfrm_total",
		"A namespace's xfrm MIB counters (/proc/net/xfrm_stat names).",
		[]string{"netns", "counter"}, nil)
	descAction = prometheus.NewDesc("softnet_tc_action_total",
		"tc action statistics (tc -s actions): packets, bytes, drops, overlimits.",
		[]string{"netns", "kind", "index", "stat"}, nil)
	descJournal = prometheus.NewDesc("softnet_journal_entries",
		"Configuration changes the daemon holds in its snapshot and journal.", nil, nil)
	descNamespaces = prometheus.NewDesc("softnet_namespaces", "Namespaces in the daemon's world.", nil, nil)
)

// statDescs holds one description per rtnl_link_stats64 field, named
// softnet_device_<iproute2 JSON key>_total.
var statDescs = func() []*prometheus.Desc {
	t := reflect.TypeFor[netdev.StatsSnapshot]()
	out := make([]*prometheus.Desc, t.NumField())
	for i := range out {
		key := strings.Split(t.Field(i).Tag.Get("json"), ",")[0]
		out[i] = prometheus.NewDesc("softnet_device_"+key+"_total",
			"The device's "+key+" counter (struct rtnl_link_stats64).",
			[]string{"netns", "device"}, nil)
	}
	return out
}()

// Collector returns the daemon's metrics collector.
func (d *Daemon) Collector() Collector { return Collector{d} }

// MetricsHandler serves /metrics for the daemon's collector (and Go's
// runtime metrics).
func (d *Daemon) MetricsHandler() http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(d.Collector(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Describe sends the fixed descriptions.
func (c Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range statDescs {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{descDrops, descUp, descMTU, descSNMP, descXfrm, descAction, descJournal, descNamespaces} {
		ch <- d
	}
}

// Collect walks the world.
func (c Collector) Collect(ch chan<- prometheus.Metric) {
	nss := c.d.world.Namespaces()
	ch <- prometheus.MustNewConstMetric(descNamespaces, prometheus.GaugeValue, float64(len(nss)))
	c.d.mu.Lock()
	if c.d.store != nil {
		ch <- prometheus.MustNewConstMetric(descJournal, prometheus.GaugeValue, float64(len(c.d.store.entries)))
	}
	c.d.mu.Unlock()
	for _, ns := range nss {
		name := ns.Name()
		for _, dev := range ns.Devices() {
			collectDevice(ch, name, dev)
		}
		for _, ctr := range inet.SNMP(ns) {
			ch <- prometheus.MustNewConstMetric(descSNMP, prometheus.CounterValue, float64(ctr.Value), name, ctr.Name)
		}
		for _, e := range xfrm.ForNamespace(ns).MIB.Snapshot() {
			ch <- prometheus.MustNewConstMetric(descXfrm, prometheus.CounterValue, float64(e.Value), name, e.Name)
		}
		for _, kind := range actionKinds {
			for _, a := range sched.Actions(ns, kind) {
				collectAction(ch, name, kind, a)
			}
		}
	}
}

func collectDevice(ch chan<- prometheus.Metric, ns string, dev *netdev.Device) {
	snap := reflect.ValueOf(dev.Stats.Snapshot())
	for i, desc := range statDescs {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(snap.Field(i).Uint()), ns, dev.Name())
	}
	for _, dc := range dev.Drops.Nonzero() {
		ch <- prometheus.MustNewConstMetric(descDrops, prometheus.CounterValue, float64(dc.Count), ns, dev.Name(), dc.Reason.String())
	}
	up := 0.0
	if st := dev.OperState(); st == netdev.OperUp || st == netdev.OperUnknown && dev.IsUp() {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, ns, dev.Name(), kindName(dev))
	ch <- prometheus.MustNewConstMetric(descMTU, prometheus.GaugeValue, float64(dev.MTU()), ns, dev.Name())
}

func collectAction(ch chan<- prometheus.Metric, ns, kind string, a sched.Action) {
	cm := a.Common()
	idx := itoa(uint64(cm.Index()))
	for _, s := range []struct {
		name string
		v    uint64
	}{{"packets", cm.Stats.Packets.Load()}, {"bytes", cm.Stats.Bytes.Load()},
		{"drops", cm.Stats.Drops.Load()}, {"overlimits", cm.Stats.Overlimits.Load()}} {
		ch <- prometheus.MustNewConstMetric(descAction, prometheus.CounterValue, float64(s.v), ns, kind, idx, s.name)
	}
}

func kindName(dev *netdev.Device) string {
	if k := dev.Kind(); k != nil {
		return k.Name()
	}
	return ""
}
