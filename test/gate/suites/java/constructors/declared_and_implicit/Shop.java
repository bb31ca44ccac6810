class Cart {
    Cart() {
        this(10);
    }

    Cart(int size) {
        reset();
    }

    void reset() {
    }
}

class Bag {
    void fill() {
    }
}

class PremiumCart extends Cart {
    PremiumCart() {
        super(20);
    }
}

class Shop {
    void open() {
        new Cart();
        new Bag().fill();
        new PremiumCart();
    }
}
