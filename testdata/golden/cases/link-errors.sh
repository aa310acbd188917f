# Error wordings and exit codes of ip link.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip link add d0 type dummy
ip link del nonexistent
ip link delete dev nonexistent
ip link show dev nonexistent
ip link show nonexistent
ip link set nonexistent up
ip link add abcdefghijklmnop type dummy
ip link add abcdefghijklmno type dummy
ip link add d1 type foo
ip link add d1 type dummy foo
ip link add d1 foo type dummy
ip link add type dummy
ip link set d0 mtu abc
ip link set d0 mtu -1
ip link set d0 address zz
ip link set d0 address 02:00:00:00:00
ip link set d0 txqueuelen x
ip link set d0 name abcdefghijklmnop
ip link set d0 name lo
ip link set d0 bogus
ip link bogus
ip link add veth0 type veth peer name veth1 extra
ip link del lo
ip link set lo mtu 70000
ip link show
