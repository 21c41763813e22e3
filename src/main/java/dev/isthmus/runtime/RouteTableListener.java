package dev.isthmus.runtime;

/** Told about every new routing table, after it is in service (status writers, metrics, logs). */
public interface RouteTableListener {

    void tableSwapped(RouteTable table, RouteTable previous);
}
