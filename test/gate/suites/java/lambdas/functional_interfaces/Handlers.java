import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

interface Fee {
    int apply(int amount);
}

interface Discount {
    int apply(int amount);
}

interface Factory {
    Receipt create();
}

class Receipt {
    Receipt() {
    }
}

class Registry {
    private final Map<String, Fee> fees = new HashMap<>();
    private final Factory factory = Receipt::new;

    void register(String kind, Fee fee) {
        fees.put(kind, fee);
    }

    Receipt process(String kind, int amount) {
        fees.get(kind).apply(amount);
        return factory.create();
    }
}

class Fees {
    static final Map<String, Function<Integer, Integer>> RATES = Map.of("card", Fees::rate);
    static final Map<String, Function<String, Integer>> PARSERS = Map.of("plain", Fees::parse);
    static final Supplier<Integer> DEFAULT = Fees::fallback;

    static int card(int a) {
        return a * 2;
    }

    static int bank(int a) {
        return a + 1;
    }

    static int rate(int a) {
        return a;
    }

    static int parse(String s) {
        return 0;
    }

    static int fallback() {
        return 0;
    }

    static int discount(int a) {
        return a - 1;
    }

    static void setup(Registry r) {
        r.register("card", Fees::card);
        r.register("bank", a -> bank(a));
        Discount d = Fees::discount;
    }

    static int convert(String k, int a) {
        return RATES.get(k).apply(a);
    }
}
