import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

interface Fee {
    int charge(int amount);
}

class Fees {
    static final Map<String, Fee> BY_KIND = new HashMap<>() {
        {
            put("card", Fees::card);
            put("wire", a -> wire(a));
        }
    };

    static final List<Fee> CHAIN = new ArrayList<Fee>() {
        {
            add(Fees::limit);
        }
    };

    static int card(int a) {
        return a * 2;
    }

    static int wire(int a) {
        return a * 3;
    }

    static int limit(int a) {
        return a;
    }

    int byKind(String k, int a) {
        return BY_KIND.get(k).charge(a);
    }

    int chained(int a) {
        for (Fee f : CHAIN) {
            a = f.charge(a);
        }
        return a;
    }
}
