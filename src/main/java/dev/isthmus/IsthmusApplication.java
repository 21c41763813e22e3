package dev.isthmus;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class IsthmusApplication {

    public static void main(String[] args) {
        SpringApplication.run(IsthmusApplication.class, args);
    }
}
