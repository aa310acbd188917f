package netdev

import "sync/atomic"

// Stats are a device's 64-bit counters, the fields of struct
// rtnl_link_stats64 (include/uapi/linux/if_link.h), updated atomically.
type Stats struct {
	RxPackets, TxPackets       atomic.Uint64
	RxBytes, TxBytes           atomic.Uint64
	RxErrors, TxErrors         atomic.Uint64
	RxDropped, TxDropped       atomic.Uint64
	Multicast                  atomic.Uint64
	Collisions                 atomic.Uint64
	RxLengthErrors             atomic.Uint64
	RxOverErrors               atomic.Uint64
	RxCRCErrors                atomic.Uint64
	RxFrameErrors              atomic.Uint64
	RxFIFOErrors               atomic.Uint64
	RxMissedErrors             atomic.Uint64
	TxAbortedErrors            atomic.Uint64
	TxCarrierErrors            atomic.Uint64
	TxFIFOErrors               atomic.Uint64
	TxHeartbeatErrors          atomic.Uint64
	TxWindowErrors             atomic.Uint64
	RxCompressed, TxCompressed atomic.Uint64
	RxNoHandler                atomic.Uint64
	RxOtherhostDropped         atomic.Uint64
}

// StatsSnapshot is a plain copy of Stats, with iproute2's JSON keys.
type StatsSnapshot struct {
	RxPackets          uint64 `json:"rx_packets"`
	TxPackets          uint64 `json:"tx_packets"`
	RxBytes            uint64 `json:"rx_bytes"`
	TxBytes            uint64 `json:"tx_bytes"`
	RxErrors           uint64 `json:"rx_errors"`
	TxErrors           uint64 `json:"tx_errors"`
	RxDropped          uint64 `json:"rx_dropped"`
	TxDropped          uint64 `json:"tx_dropped"`
	Multicast          uint64 `json:"multicast"`
	Collisions         uint64 `json:"collisions"`
	RxLengthErrors     uint64 `json:"rx_length_errors"`
	RxOverErrors       uint64 `json:"rx_over_errors"`
	RxCRCErrors        uint64 `json:"rx_crc_errors"`
	RxFrameErrors      uint64 `json:"rx_frame_errors"`
	RxFIFOErrors       uint64 `json:"rx_fifo_errors"`
	RxMissedErrors     uint64 `json:"rx_missed_errors"`
	TxAbortedErrors    uint64 `json:"tx_aborted_errors"`
	TxCarrierErrors    uint64 `json:"tx_carrier_errors"`
	TxFIFOErrors       uint64 `json:"tx_fifo_errors"`
	TxHeartbeatErrors  uint64 `json:"tx_heartbeat_errors"`
	TxWindowErrors     uint64 `json:"tx_window_errors"`
	RxCompressed       uint64 `json:"rx_compressed"`
	TxCompressed       uint64 `json:"tx_compressed"`
	RxNoHandler        uint64 `json:"rx_nohandler"`
	RxOtherhostDropped uint64 `json:"rx_otherhost_dropped"`
}

// Snapshot copies the counters.
func (s *Stats) Snapshot() StatsSnapshot {
	return StatsSnapshot{
		RxPackets: s.RxPackets.Load(), TxPackets: s.TxPackets.Load(),
		RxBytes: s.RxBytes.Load(), TxBytes: s.TxBytes.Load(),
		RxErrors: s.RxErrors.Load(), TxErrors: s.TxErrors.Load(),
		RxDropped: s.RxDropped.Load(), TxDropped: s.TxDropped.Load(),
		Multicast: s.Multicast.Load(), Collisions: s.Collisions.Load(),
		RxLengthErrors: s.RxLengthErrors.Load(), RxOverErrors: s.RxOverErrors.Load(),
		RxCRCErrors: s.RxCRCErrors.Load(), RxFrameErrors: s.RxFrameErrors.Load(),
		RxFIFOErrors: s.RxFIFOErrors.Load(), RxMissedErrors: s.RxMissedErrors.Load(),
		TxAbortedErrors: s.TxAbortedErrors.Load(), TxCarrierErrors: s.TxCarrierErrors.Load(),
		TxFIFOErrors: s.TxFIFOErrors.Load(), TxHeartbeatErrors: s.TxHeartbeatErrors.Load(),
		TxWindowErrors: s.TxWindowErrors.Load(),
		RxCompressed:   s.RxCompressed.Load(), TxCompressed: s.TxCompressed.Load(),
		RxNoHandler: s.RxNoHandler.Load(), RxOtherhostDropped: s.RxOtherhostDropped.Load(),
	}
}

// CountRx adds one received packet of n bytes.
func (s *Stats) CountRx(n int) {
	s.RxPackets.Add(1)
	s.RxBytes.Add(uint64(n))
}

// CountTx adds one transmitted packet of n bytes.
func (s *Stats) CountTx(n int) {
	s.TxPackets.Add(1)
	s.TxBytes.Add(uint64(n))
}
