"""One module per export format; each offers `sniff(head) -> bool` and `read(path, warn)`."""
