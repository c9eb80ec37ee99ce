// The integer element types: names, sizes, ranges, wrap-around and their little-endian memory form.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "atim/ir/type.h"
#include "atim/support/error.h"

namespace atim::ir {
namespace {

TEST(DType, NamesSizesAndRanges) {
    struct Case {
        DType type;
        const char *name;
        int bytes;
        int64_t min, max;
        bool is_signed;
    };
    for (const Case &c : std::vector<Case>{{DType::Int8, "int8", 1, -128, 127, true},
                                           {DType::UInt8, "uint8", 1, 0, 255, false},
                                           {DType::Int16, "int16", 2, -32768, 32767, true},
                                           {DType::Int32, "int32", 4, INT32_MIN, INT32_MAX, true},
                                           {DType::Int64, "int64", 8, INT64_MIN, INT64_MAX, true}}) {
        EXPECT_STREQ(to_string(c.type), c.name);
        EXPECT_EQ(parse_dtype(c.name), c.type);
        EXPECT_EQ(bytes_of(c.type), c.bytes) << c.name;
        EXPECT_EQ(min_value(c.type), c.min) << c.name;
        EXPECT_EQ(max_value(c.type), c.max) << c.name;
        EXPECT_EQ(is_signed(c.type), c.is_signed) << c.name;
    }
}

TEST(DType, WrapsLikeARegisterOfItsWidth) {
    struct Case {
        DType type;
        int64_t in, want;
    };
    for (const Case &c : std::vector<Case>{{DType::Int8, 128, -128},
                                           {DType::Int8, 2401, 97},
                                           {DType::Int8, -129, 127},
                                           {DType::UInt8, -1, 255},
                                           {DType::UInt8, 256 + 7, 7},
                                           {DType::Int16, 40000, 40000 - 65536},
                                           {DType::Int32, int64_t{1} << 31, INT32_MIN},
                                           {DType::Bool, 5, 1}}) {
        EXPECT_EQ(wrap_value(c.type, c.in), c.want) << to_string(c.type) << " " << c.in;
    }
}

TEST(DType, ElementsAreLittleEndianAndExtendedOnLoad) {
    uint8_t bytes[8] = {};
    store_element(DType::Int16, -2, bytes);
    EXPECT_EQ(bytes[0], 0xfe);
    EXPECT_EQ(bytes[1], 0xff);
    EXPECT_EQ(bytes[2], 0);  // nothing past the element is written
    EXPECT_EQ(load_element(DType::Int16, bytes), -2);
    EXPECT_EQ(load_element(DType::UInt8, bytes), 0xfe);
    EXPECT_EQ(load_element(DType::Int8, bytes), -2);
}

TEST(DType, UnknownAndUnsupportedNamesAreUserErrors) {
    EXPECT_THROW(parse_dtype("int7"), UserError);
    EXPECT_THROW(parse_dtype("float32"), UserError);
    EXPECT_THROW(parse_dtype("bool"), UserError);
}

}  // namespace
}  // namespace atim::ir
