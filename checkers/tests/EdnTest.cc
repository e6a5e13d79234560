#include "checkers/Edn.h"

#include <gtest/gtest.h>

namespace detcd::checkers {
namespace {

TEST(EdnTest, ReadsAJepsenOpMap) {
  EdnValue m = parseEdn(R"({:process 3, :type :ok, :f :cas, :value [1 nil], :key "k", :x -4})");
  ASSERT_EQ(m.type, EdnValue::Type::kMap);
  EXPECT_EQ(m.get("process")->integer, 3);
  EXPECT_TRUE(m.get("type")->isKeyword("ok"));
  const EdnValue* v = m.get("value");
  ASSERT_EQ(v->type, EdnValue::Type::kVector);
  ASSERT_EQ(v->items.size(), 2u);
  EXPECT_EQ(v->items[0].integer, 1);
  EXPECT_TRUE(v->items[1].isNil());
  EXPECT_EQ(m.get("key")->text, "k");
  EXPECT_EQ(m.get("x")->integer, -4);
  EXPECT_EQ(m.get("missing"), nullptr);
}

TEST(EdnTest, ReadsStringsEscapesSetsTagsCommentsAndDiscards) {
  EXPECT_EQ(parseEdn(R"("a\"b\\c\n")").text, "a\"b\\c\n");
  EdnValue set = parseEdn("#{1 2} ; trailing comment");
  EXPECT_EQ(set.type, EdnValue::Type::kSet);
  EXPECT_EQ(set.items.size(), 2u);
  EdnValue tagged = parseEdn("#jepsen.history.Op{:index 1}");
  EXPECT_EQ(tagged.get("index")->integer, 1);
  EdnValue list = parseEdn("(1 #_ 2 3)");
  ASSERT_EQ(list.items.size(), 2u);
  EXPECT_EQ(list.items[1].integer, 3);
  EXPECT_EQ(parseEdn("1.5").type, EdnValue::Type::kFloat);
  EXPECT_EQ(parseEdn("12N").integer, 12);
  EXPECT_TRUE(parseEdn("true").boolean);
  EXPECT_EQ(parseEdn("foo/bar").type, EdnValue::Type::kSymbol);
}

TEST(EdnTest, RejectsMalformedTextWithItsColumn) {
  EXPECT_THROW(parseEdn("{:a 1"), EdnError);
  EXPECT_THROW(parseEdn("{:a}"), EdnError);
  EXPECT_THROW(parseEdn("\"open"), EdnError);
  EXPECT_THROW(parseEdn("1 2"), EdnError);
  EXPECT_THROW(parseEdn("]"), EdnError);
  EXPECT_THROW(parseEdn(""), EdnError);
  try {
    parseEdn("[1 2 ]]");
    FAIL() << "expected an EdnError";
  } catch (const EdnError& e) {
    EXPECT_EQ(e.offset(), 6u);
    EXPECT_NE(std::string(e.what()).find("column 7"), std::string::npos) << e.what();
  }
}

TEST(EdnTest, PrintsValuesBack) {
  EXPECT_EQ(parseEdn("{:f :cas, :value [1 nil]}").toString(), "{:f :cas :value [1 nil]}");
}

}  // namespace
}  // namespace detcd::checkers
