package inet

import (
	"github.com/softnet/softnet/header"
	"github.com/softnet/softnet/inet/frag"
	"github.com/softnet/softnet/packet"
)

// reassembler holds the namespace's IPv4 and IPv6 fragment queues.
type reassembler struct {
	r4, r6 *frag.Reassembler
}

func (r *reassembler) init(st *netState) {
	clock := st.ns.World().Loop()
	r.r4 = frag.New(frag.Config{Family: 4, Clock: clock, Limits: frag.DefaultLimits(4), Stats: &st.mib.Frag4,
		OnTimeout: func(first *packet.Buffer, iif int32) {
			st.icmpSend4(first, header.ICMPv4TimeExceeded, header.ICMPv4ReassemblyTimeout, 0)
		}})
	r.r6 = frag.New(frag.Config{Family: 6, Clock: clock, Limits: frag.DefaultLimits(6), Stats: &st.mib.Frag6,
		OnTimeout: func(first *packet.Buffer, iif int32) {
			st.icmpSend6(first, header.ICMPv6TimeExceeded, header.ICMPv6ReassemblyTimeout, 0)
		}})
}

func (r *reassembler) close() {
	r.r4.Close()
	r.r6.Close()
}

// syncLimits copies the ipfrag sysctls into the reassemblers.
func (st *netState) syncFragLimits() {
	l := frag.DefaultLimits(4)
	l.HighThresh, l.LowThresh = st.sys.fragHigh.Load(), st.sys.fragLow.Load()
	l.Timeout = secs(st.sys.fragTime.Load())
	st.frag.r4.SetLimits(l)
	l6 := frag.DefaultLimits(6)
	l6.HighThresh, l6.LowThresh = st.sys.frag6High.Load(), st.sys.frag6Low.Load()
	l6.Timeout = secs(st.sys.frag6Time.Load())
	st.frag.r6.SetLimits(l6)
}
