using System.Reflection;
using System.Runtime.InteropServices;
using Mediator.Abi;

namespace Mediator.Tests.Shared.Abi;

/// <summary>docs/abi.md and shared/ agree: every marked table is checked against the code, both ways.</summary>
public class AbiDocTests
{
    private const BindingFlags Instance = BindingFlags.Public | BindingFlags.Instance;

    public static TheoryData<string> StructNames() => [.. AbiDoc.Tables("struct").Select(t => t.Args[0])];

    public static TheoryData<string> EnumNames() => [.. AbiDoc.Tables("enum").Select(t => t.Args[0])];

    public static TheoryData<string> ConstTypes() => [.. AbiDoc.Tables("const").Select(t => t.Args[0])];

    [Theory]
    [MemberData(nameof(StructNames))]
    public void Struct_size_and_field_offsets_match_the_doc(string typeName)
    {
        var table = AbiDoc.Tables("struct").Single(t => t.Args[0] == typeName);
        var type = AbiDoc.ShareType(typeName);
        Assert.Equal(int.Parse(table.Args[1]["size=".Length..]), AbiDoc.SizeOf(type));
        Assert.Equal(AbiDoc.SizeOf(type), Marshal.SizeOf(type));

        var documented = new HashSet<string>();
        foreach (var row in table.Rows)
        {
            string field = AbiDoc.Code(row[3]) ?? throw new InvalidDataException($"{typeName}: field cell {row[3]}");
            var info = type.GetField(field, Instance) ?? throw new InvalidDataException($"{typeName} has no field {field}");
            Assert.True((int)AbiDoc.Number(row[0]) == (int)Marshal.OffsetOf(type, field), $"{typeName}.{field} offset: doc {row[0]}, code {Marshal.OffsetOf(type, field)}");
            Assert.True((int)AbiDoc.Number(row[1]) == Marshal.SizeOf(info.FieldType), $"{typeName}.{field} size: doc {row[1]}, code {Marshal.SizeOf(info.FieldType)}");
            documented.Add(field);
        }
        var inCode = type.GetFields(Instance).Select(f => f.Name).ToHashSet();
        Assert.Equal(inCode.Order(), documented.Order());
    }

    [Fact]
    public void Every_explicit_layout_struct_of_the_abi_is_documented()
    {
        var documented = AbiDoc.Tables("struct").Select(t => t.Args[0]).ToHashSet();
        var abiStructs = typeof(AbiVersion).Assembly.GetTypes()
            .Where(t => t.IsValueType && !t.IsEnum && t.IsPublic && t.IsExplicitLayout)
            .Select(t => t.FullName!)
            .ToList();
        Assert.NotEmpty(abiStructs);
        Assert.Equal([], abiStructs.Except(documented));
    }

    [Theory]
    [MemberData(nameof(EnumNames))]
    public void Enum_values_match_the_doc(string typeName)
    {
        var table = AbiDoc.Tables("enum").Single(t => t.Args[0] == typeName);
        var type = AbiDoc.ShareType(typeName);
        var inDoc = table.Rows.Select(r => (Name: AbiDoc.Code(r[1])!, Value: AbiDoc.Number(r[0]))).ToList();
        var inCode = Enum.GetNames(type).Select(n => (Name: n, Value: Convert.ToUInt64(Enum.Parse(type, n)))).ToList();
        Assert.Equal(inCode.OrderBy(e => e.Value), inDoc.OrderBy(e => e.Value));
    }

    [Theory]
    [MemberData(nameof(ConstTypes))]
    public void Constants_match_the_doc(string typeName)
    {
        var type = AbiDoc.ShareType(typeName);
        foreach (var row in AbiDoc.Tables("const").Single(t => t.Args[0] == typeName).Rows)
        {
            string name = AbiDoc.Code(row[0])!;
            var field = type.GetField(name, BindingFlags.Public | BindingFlags.Static);
            Assert.True(field is { IsLiteral: true }, $"{typeName}.{name} is not a constant");
            Assert.True(AbiDoc.Number(row[1]) == Convert.ToUInt64(field!.GetRawConstantValue()), $"{typeName}.{name}: doc {row[1]}, code {field.GetRawConstantValue()}");
        }
    }

    [Theory]
    [InlineData("client")]
    [InlineData("broker")]
    public void Area_tables_match_QueueLayout_for_the_default_geometry(string area)
    {
        var layout = new QueueLayout(QueueGeometry.Default);
        var rows = AbiDoc.Tables("area").Single(t => t.Args[0] == area).Rows.Where(r => AbiDoc.Code(r[0]) != null).ToList();
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            string name = AbiDoc.Code(row[0])!;
            long value = typeof(QueueLayout).GetField(name, BindingFlags.Public | BindingFlags.Static) is { } constant
                ? (int)constant.GetRawConstantValue()!
                : (long)typeof(QueueLayout).GetProperty(name)!.GetValue(layout)!;
            Assert.True((ulong)value == AbiDoc.Number(row[2]), $"{area}.{name}: doc {row[2]}, code {value}");
            if (ulong.TryParse(row[1], out ulong fixedOffset))
            {
                Assert.Equal(fixedOffset, (ulong)value);
            }
        }
    }

    [Fact]
    public void Register_map_matches_the_doc()
    {
        var table = AbiDoc.Tables("registers").Single();
        var type = AbiDoc.ShareType(table.Args[0]);
        foreach (var row in table.Rows)
        {
            string name = AbiDoc.Code(row[0])!;
            var parts = row[1].Split('+', StringSplitOptions.TrimEntries);
            ulong at = AbiDoc.Number(parts[0]);
            if (parts.Length == 1)
            {
                Assert.True(at == Convert.ToUInt64(type.GetField(name)!.GetRawConstantValue()), $"{name}: doc {row[1]}");
                continue;
            }
            ulong stride = AbiDoc.Number(parts[1].Split('·')[0]);
            var method = type.GetMethod(name)!;
            Assert.True(at == Convert.ToUInt64(method.Invoke(null, [0])), $"{name}(0): doc {row[1]}");
            Assert.True(at + 5 * stride == Convert.ToUInt64(method.Invoke(null, [5])), $"{name}(5): doc {row[1]}");
        }
    }

    [Fact]
    public void Doc_states_the_default_umem_size() =>
        Assert.Contains($"UMEM is {QueueGeometry.Default.UmemSize} bytes", AbiDoc.Text, StringComparison.Ordinal);
}
