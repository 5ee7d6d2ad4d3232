package io.cachepatterns.catalog.rate.service;

import java.math.BigDecimal;

/** One exchange rate, as cached: 1 {@code from} = {@code rate} {@code to}, published on {@code date}. */
public record Rate(String from, String to, BigDecimal rate, String date) {
}
