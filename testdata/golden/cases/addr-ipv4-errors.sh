# Address errors: duplicate add, absent delete, bad prefix, missing dev.
ip link add d0 address 02:00:00:00:00:01 type dummy
ip addr add 192.0.2.1/24 dev d0
ip addr add 192.0.2.1/24 dev d0
ip addr add 192.0.2.1/25 dev d0
ip addr del 192.0.2.99/24 dev d0
ip addr del 192.0.2.1/25 dev d0
ip addr del 192.0.2.1 dev d0
ip addr add 192.0.2.3/33 dev d0
ip addr add 192.0.2.300/24 dev d0
ip addr add 192.0.2.4/24 dev nonexistent
ip addr add 192.0.2.4/24
ip addr add dev d0
ip addr add 192.0.2.4/24 dev d0 bogus
ip addr add 192.0.2.4/24 dev d0 label x0
ip addr show dev nonexistent
ip addr bogus
ip addr show dev d0
