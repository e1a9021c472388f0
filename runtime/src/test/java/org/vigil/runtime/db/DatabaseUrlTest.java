package org.vigil.runtime.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {

    @Test
    void oneHostIsUsedAsWritten() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://db.data:5432/vigil");
        assertThat(url.severalHosts()).isFalse();
        assertThat(url.jdbc()).isEqualTo("jdbc:postgresql://db.data:5432/vigil");
        assertThat(url.reactive()).isEqualTo("postgresql://db.data:5432/vigil");
    }

    @Test
    void aPrimaryAndAStandbyBecomeOneJdbcUrlForThePrimaryAndOneReactiveUrlPerHost() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://pg-a:5432,pg-b:5433/vigil?sslmode=require");
        assertThat(url.hosts()).containsExactly("pg-a:5432", "pg-b:5433");
        assertThat(url.jdbc()).isEqualTo("jdbc:postgresql://pg-a:5432,pg-b:5433/vigil?sslmode=require"
                + "&targetServerType=primary");
        assertThat(url.reactive()).isEqualTo("postgresql://pg-a:5432/vigil?sslmode=require,"
                + "postgresql://pg-b:5433/vigil?sslmode=require");
    }

    @Test
    void anOperatorsOwnTargetServerTypeIsKeptForJdbcAndLeftOutOfTheReactiveUrls() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://a,b/vigil?targetServerType=preferPrimary");
        assertThat(url.jdbc()).isEqualTo("jdbc:postgresql://a,b/vigil?targetServerType=preferPrimary");
        assertThat(url.reactive()).isEqualTo("postgresql://a/vigil,postgresql://b/vigil");
    }

    @Test
    void malformedUrlsAreRefusedWithAMessage() {
        for (String bad : List.of("", "mysql://a/vigil", "postgresql://a,/vigil", "postgresql://a b/vigil",
                "postgresql://a:5432")) {
            assertThatThrownBy(() -> DatabaseUrl.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("DATABASE_URL");
        }
    }

    @Test
    void theSourceGivesBothClientsTheirFormOnlyForSeveralHostsAndOnlyWhereThereIsADatabaseClient() {
        DatabaseUrlSource several = new DatabaseUrlSource("postgresql://a:1,b:2/vigil", true);
        assertThat(several.getValue(DatabaseUrlSource.REACTIVE)).isEqualTo("postgresql://a:1/vigil,postgresql://b:2/vigil");
        assertThat(several.getValue(DatabaseUrlSource.JDBC)).isEqualTo(
                "jdbc:postgresql://a:1,b:2/vigil?targetServerType=primary");
        assertThat(several.getOrdinal()).isBetween(251, 299); // above application.properties, below the environment
        assertThat(new DatabaseUrlSource("postgresql://a:1/vigil", true).getPropertyNames()).isEmpty();
        assertThat(new DatabaseUrlSource(null, true).getPropertyNames()).isEmpty();
        assertThat(new DatabaseUrlSource("postgresql://a:1,b:2/vigil", false).getPropertyNames()).isEmpty();
        assertThat(new DatabaseUrlSource("postgresql://a:1,/vigil", true).getPropertyNames()).isEmpty();
    }
}
