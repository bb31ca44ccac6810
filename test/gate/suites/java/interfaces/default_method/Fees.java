interface Priced {
    int base();

    default int withTax() {
        return base() + 1;
    }
}

class Ticket implements Priced {
    public int base() {
        return 10;
    }
}

class Voucher implements Priced {
    public int base() {
        return 0;
    }

    public int withTax() {
        return 0;
    }
}

class Till {
    int ring(Ticket t, Priced p) {
        return t.withTax() + p.withTax();
    }
}
