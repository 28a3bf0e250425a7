package dev.opsbus.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Address blocks and literals of {@code gateway.trustedProxies} (the header handling is in TrustedProxyTest). */
class ClientAddressTest {

  @Test
  void blocksContainTheirAddressesOnly() {
    ClientAddress.Cidr ten = ClientAddress.Cidr.parse("10.0.0.0/8");
    assertThat(ten.contains(ClientAddress.literal("10.200.3.4"))).isTrue();
    assertThat(ten.contains(ClientAddress.literal("11.0.0.1"))).isFalse();
    ClientAddress.Cidr odd = ClientAddress.Cidr.parse("192.168.4.0/22");
    assertThat(odd.contains(ClientAddress.literal("192.168.7.255"))).isTrue();
    assertThat(odd.contains(ClientAddress.literal("192.168.8.0"))).isFalse();
    ClientAddress.Cidr one = ClientAddress.Cidr.parse("127.0.0.1");
    assertThat(one.contains(ClientAddress.literal("127.0.0.1"))).isTrue();
    assertThat(one.contains(ClientAddress.literal("127.0.0.2"))).isFalse();
    ClientAddress.Cidr v6 = ClientAddress.Cidr.parse("fd00::/8");
    assertThat(v6.contains(ClientAddress.literal("[fd12::1]:443"))).isTrue();
    assertThat(v6.contains(ClientAddress.literal("10.0.0.1"))).as("another family").isFalse();
  }

  @Test
  void onlyLiteralsAreAddressesAndNothingIsLookedUp() {
    assertThat(ClientAddress.literal("203.0.113.7:8443").getHostAddress()).isEqualTo("203.0.113.7");
    for (String notALiteral : List.of("localhost", "proxy.example", "1", "1.2.3", "unknown", "_hidden", "", "999.1.1.1")) {
      assertThat(ClientAddress.literal(notALiteral)).as(notALiteral).isNull();
    }
  }

  @Test
  void aBadTrustedProxyEntryIsRefusedNamingIt() {
    assertThatThrownBy(() -> ClientAddress.validate(List.of("10.0.0.0/8", "proxy.example")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("proxy.example");
    assertThatThrownBy(() -> ClientAddress.validate(List.of("10.0.0.0/33"))).hasMessageContaining("0-32");
  }
}
