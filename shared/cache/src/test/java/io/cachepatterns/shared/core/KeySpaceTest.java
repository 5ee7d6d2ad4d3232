package io.cachepatterns.shared.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class KeySpaceTest {

    private final KeySpace products = new KeySpace("catalog", "products", 2);

    @Test
    void keysCarryServiceCacheSchemaAndAHashTaggedId() {
        assertEquals("catalog:products:v2:{42}", products.dataKey("42"));
        assertEquals("catalog:products:v2:{42}:lease", products.leaseKey("42"));
    }

    @Test
    void aNewSchemaVersionMeansNewKeys() {
        assertEquals("catalog:products:v3:{42}", new KeySpace("catalog", "products", 3).dataKey("42"));
    }

    @Test
    void idsThatWouldMoveTheHashTagAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> products.dataKey("a}b"));
        assertThrows(IllegalArgumentException.class, () -> products.dataKey("{x"));
        assertThrows(IllegalArgumentException.class, () -> products.dataKey(""));
    }

    @Test
    void namesAreLowerCaseWords() {
        assertThrows(IllegalArgumentException.class, () -> new KeySpace("Catalog", "products", 1));
        assertThrows(IllegalArgumentException.class, () -> new KeySpace("catalog", "pro:ducts", 1));
        assertThrows(IllegalArgumentException.class, () -> new KeySpace("catalog", "products", 0));
    }
}
