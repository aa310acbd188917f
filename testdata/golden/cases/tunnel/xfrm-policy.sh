# ip xfrm policy: add (tmpl), list, get, -s, delete, flush, errors.
ip xfrm policy list
ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 1 mode tunnel
ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir in tmpl src 198.51.100.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
ip xfrm policy add src 10.2.0.0/16 dst 10.1.0.0/16 dir fwd tmpl src 198.51.100.2 dst 192.0.2.1 proto esp reqid 1 mode tunnel
ip xfrm policy add src 192.0.2.1/32 dst 198.51.100.3/32 proto udp dport 53 dir out priority 10 action block
ip xfrm policy add dir out mark 0x7 mask 0xff if_id 7 tmpl src 192.0.2.1 dst 198.51.100.4 proto esp mode tunnel
ip xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out if_id 9 tmpl proto esp mode transport level use
ip xfrm policy list
ip xfrm policy
ip -s xfrm policy
ip xfrm policy list dir in
ip xfrm policy get src 10.1.0.0/16 dst 10.2.0.0/16 dir out
ip xfrm policy count
ip xfrm policy add src 10.1.0.0/16 dst 10.2.0.0/16 dir out tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 1 mode tunnel
ip xfrm policy update src 10.1.0.0/16 dst 10.2.0.0/16 dir out priority 5 tmpl src 192.0.2.1 dst 198.51.100.2 proto esp reqid 2 mode tunnel
ip xfrm policy get src 10.1.0.0/16 dst 10.2.0.0/16 dir out
ip xfrm policy add src 10.3.0.0/16 dst 10.4.0.0/16 dir sideways
ip xfrm policy add src 10.3.0.0/16 dst 10.4.0.0/16
ip xfrm policy add src 10.3.0.0/33 dst 10.4.0.0/16 dir out
ip xfrm policy delete src 10.9.0.0/16 dst 10.4.0.0/16 dir out
ip xfrm policy delete src 10.1.0.0/16 dst 10.2.0.0/16 dir out
ip xfrm policy list dir out
ip xfrm policy deleteall dir fwd
ip xfrm policy flush
ip xfrm policy list
ip xfrm monitor bogus
