import com.google.common.collect.ImmutableMap;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

interface FeeFn extends Function<Integer, Integer> {
}

interface TaxFn extends Function<Integer, Integer> {
}

interface Fee {
    int charge(int amount);
}

interface Rebate {
    int charge(int amount);
}

class Registry<F> {
    private final Map<String, F> byKind = new HashMap<>();

    void register(String kind, F f) {
        byKind.put(kind, f);
    }

    F get(String kind) {
        return byKind.get(kind);
    }
}

class Tables {
    static final Map<String, Function<Integer, Integer>> BY_KIND = Map.ofEntries(Map.entry("card", Tables::card));
    static final Map.Entry<String, Function<Integer, Integer>> WIRE = new AbstractMap.SimpleEntry<>("wire", Tables::wire);
    static final Map.Entry<String, Supplier<Integer>> ZERO = Map.entry("zero", Tables::zero);
    static final Map<String, FeeFn> FEES = Map.of("flat", Tables::flat);
    static final TaxFn TAX = Tables::tax;
    static final Map<String, Function<Long, Long>> BUILT = ImmutableMap.<String, Function<Long, Long>>builder().put("built", Tables::built).build();

    private final Registry<Fee> fees = new Registry<>();
    private final Registry<Rebate> rebates = new Registry<>();

    static int card(int a) {
        return a * 2;
    }

    static int wire(int a) {
        return a + 1;
    }

    static int zero() {
        return 0;
    }

    static int flat(int a) {
        return a;
    }

    static int tax(int a) {
        return a;
    }

    static int price(int a) {
        return a;
    }

    static int loyal(int a) {
        return a - 1;
    }

    static long built(long a) {
        return a;
    }

    void setup() {
        fees.register("price", Tables::price);
        rebates.register("loyal", Tables::loyal);
    }

    int byKind(String k, int a) {
        return BY_KIND.get(k).apply(a);
    }

    int byFee(String k, int a) {
        return FEES.get(k).apply(a);
    }

    long byBuilder(String k, long a) {
        return BUILT.get(k).apply(a);
    }

    int byRegistry(String k, int a) {
        return fees.get(k).charge(a);
    }
}
