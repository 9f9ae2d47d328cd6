"""Race tests: flood traffic, concurrent loops and leak checks in the guest, ``make races`` on the host."""
