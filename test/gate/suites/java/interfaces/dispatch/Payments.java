interface Gateway {
    void charge(int cents);
}

class StripeGateway implements Gateway {
    public void charge(int cents) {
        log(cents);
    }

    private void log(int cents) {
    }
}

class TestGateway implements Gateway {
    public void charge(int cents) {
    }
}

class Checkout {
    private Gateway gateway;

    void pay(int cents) {
        gateway.charge(cents);
    }
}
