package inet

import (
	"net/netip"

	"github.com/softnet/softnet/netdev"
)

func init() {
	netdev.RegisterNotifier(0, devEvent)
}

// devEvent keeps addresses, routes and neighbours in step with devices
// (inetdev_event, fib_netdev_event, addrconf_notify, arp/ndisc events).
// RTNL is held.
func devEvent(ev netdev.Event, d *netdev.Device) error {
	ns := d.Namespace()
	if ns == nil {
		return nil
	}
	switch ev {
	case netdev.EventRegister:
		devOf(d)
	case netdev.EventUp:
		inetUp(ns, d)
		addrconfUp(ns, d)
	case netdev.EventChange:
		if linkReady(d) {
			addrconfUp(ns, d)
		}
	case netdev.EventDown:
		st := stateOf(ns)
		st.deleteDevRoutes(d.Index(), FamilyV4, true)
		st.neigh4.t.DeviceDown(d.Index())
		addrconfDown(ns, d)
		st.neigh6.t.DeviceDown(d.Index())
	case netdev.EventChangeAddr:
		st := stateOf(ns)
		st.neigh4.t.ChangeAddr(d.Index())
		st.neigh6.t.ChangeAddr(d.Index())
	case netdev.EventUnregister:
		inetUnregister(ns, d)
	}
	return nil
}

// inetUp gives loopback 127.0.0.1/8 and installs the routes of the
// device's IPv4 addresses (fib_add_ifaddr on NETDEV_UP).
func inetUp(ns *netdev.Namespace, d *netdev.Device) {
	if d.Flags()&netdev.FlagLoopback != 0 && len(addrs4(d)) == 0 {
		addAddr4(ns, d, Addr{Ifindex: d.Index(), Prefix: netip.MustParsePrefix("127.0.0.1/8"),
			Scope: ScopeHost, Flags: AddrPermanent, ValidLft: Forever, PreferredLft: Forever}, false)
		return
	}
	st := stateOf(ns)
	for _, a := range addrs4(d) {
		for _, r := range kernelRoutes4(ns, d, a) {
			st.insertKernelRoute(r)
		}
	}
}

// inetUnregister drops everything the IP layer holds for a device.
func inetUnregister(ns *netdev.Namespace, d *netdev.Device) {
	st := stateOf(ns)
	stopDAD(d)
	publish4(d, nil)
	publish6(d, nil)
	st.deleteDevRoutes(d.Index(), FamilyV4, false)
	st.deleteDevRoutes(d.Index(), FamilyV6, false)
	st.neigh4.t.DeviceUnregister(d.Index())
	st.neigh6.t.DeviceUnregister(d.Index())
}
