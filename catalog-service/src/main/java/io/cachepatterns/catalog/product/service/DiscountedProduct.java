package io.cachepatterns.catalog.product.service;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.math.BigDecimal;
import java.math.RoundingMode;

/** A product with the discounted price that the {@code show-discounts} flag adds. */
public record DiscountedProduct(@JsonUnwrapped ProductView product, BigDecimal discountedPrice) {

    public static DiscountedProduct of(ProductView product, BigDecimal percent) {
        BigDecimal factor = BigDecimal.ONE.subtract(percent.movePointLeft(2));
        return new DiscountedProduct(product, product.price().multiply(factor).setScale(2, RoundingMode.HALF_EVEN));
    }
}
